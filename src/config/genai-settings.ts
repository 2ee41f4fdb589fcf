import type { GenAISettings } from './config-types.ts';
import { currentConfig, resetCurrentConfigForTests } from './current-config.ts';

/**
 * The helpers' settings: those of `start()` when genai-otel started the SDK, otherwise read once from the
 * environment (an application that set up OpenTelemetry itself still gets content capture and price settings).
 */
export function genaiSettings(): GenAISettings {
  return currentConfig().genai;
}

/** Tests change the environment between cases. */
export function resetGenAISettingsForTests(): void {
  resetCurrentConfigForTests();
}
