import { resolveConfig } from './resolve.ts';
import type { GenAIOtelConfig } from './config-types.ts';
import { reportConfigProblems } from '../core/diagnostics.ts';
import { currentStatus } from '../core/state.ts';

let configWithoutStart: GenAIOtelConfig | undefined;

/**
 * The configuration in force: that of `start()` when genai-otel started the SDK, otherwise read once from the
 * environment (an application that set up OpenTelemetry itself still gets content capture, prices and redaction).
 *
 * @example
 * currentConfig().genai.captureContent; // 'none'
 */
export function currentConfig(): GenAIOtelConfig {
  const started = currentStatus();
  if (started !== undefined) return started.config;
  if (configWithoutStart === undefined) {
    const { config, problems } = resolveConfig(process.env);
    reportConfigProblems(problems);
    configWithoutStart = config;
  }
  return configWithoutStart;
}

/** Tests change the environment between cases. */
export function resetCurrentConfigForTests(): void {
  configWithoutStart = undefined;
}
