import { resolveConfig } from '../config/resolve.ts';
import type { GenAISettings } from '../config/types.ts';
import { reportConfigProblems } from '../sdk/diagnostics.ts';
import { getStatus } from '../sdk/sdk.ts';

let settingsWithoutStart: GenAISettings | undefined;

/**
 * The helpers' settings: those of `start()` when genai-otel started the SDK, otherwise read once from the
 * environment (an application that set up OpenTelemetry itself still gets content capture and price settings).
 */
export function genaiSettings(): GenAISettings {
  const started = getStatus();
  if (started !== undefined) return started.config.genai;
  if (settingsWithoutStart === undefined) {
    const { config, problems } = resolveConfig(process.env);
    reportConfigProblems(problems);
    settingsWithoutStart = config.genai;
  }
  return settingsWithoutStart;
}

/** Tests change the environment between cases. */
export function resetGenAISettingsForTests(): void {
  settingsWithoutStart = undefined;
}
