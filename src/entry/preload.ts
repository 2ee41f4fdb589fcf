import { resolveConfig, telemetryDisabledByEnvironment } from '../config/resolve.ts';
import { currentState, disabledState, setState } from '../core/state.ts';
import { unsupportedNodeMessage } from './node-version.ts';

/**
 * The first step of both preload entries, before anything heavy is loaded: turns on Node's compile cache (so the SDK
 * and the application compile once, not at every start; NODE_DISABLE_COMPILE_CACHE=1 turns it off) and reads
 * OTEL_SDK_DISABLED. Returns whether the SDK must be loaded and started. With OTEL_SDK_DISABLED=true and nothing to
 * report about the settings, the disabled start is recorded here and nothing else is loaded: disabled costs ~nothing.
 * On a Node.js older than genai-otel needs, one line says so and the application runs without telemetry.
 */
export function preloadNeedsSdk(): boolean {
  const unsupported = unsupportedNodeMessage(process.versions.node, 'the application runs without telemetry');
  if (unsupported !== undefined) {
    try {
      process.stderr.write(`${unsupported}\n`);
    } catch {
      // A closed stderr must not break the application.
    }
    return false;
  }
  process.getBuiltinModule('node:module').enableCompileCache?.();
  // Telemetry on, the usual case: start() reads and checks every setting, so reading them all here too would only
  // cost time (about 1.5 ms). Only a disabled start is settled here.
  if (!telemetryDisabledByEnvironment(process.env)) return true;
  const { config, problems } = resolveConfig(process.env);
  // Problems are reported by start(), which needs the diagnostic logger of the SDK bundle.
  if (!config.disabled || problems.length > 0) return true;
  if (currentState() === undefined) setState(disabledState(config));
  return false;
}
