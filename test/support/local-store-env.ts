// The environment of an app that writes the local store alone: the test's own OTEL_*/GENAI_OTEL_* settings and
// NODE_OPTIONS left out, spans to the store in `folder`, no metrics or logs.

/**
 * The child environment for a local-store app named `service` writing into `folder`, plus `settings`.
 *
 * @example
 * spawn(process.execPath, [app], { env: localStoreEnv('store-failures', folder, { TURNS: '20' }) });
 */
export function localStoreEnv(
  service: string,
  folder: string,
  settings: Record<string, string> = {},
): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('OTEL_') && !key.startsWith('GENAI_OTEL_') && key !== 'NODE_OPTIONS') clean[key] = value;
  return {
    ...clean,
    OTEL_SERVICE_NAME: service,
    OTEL_TRACES_EXPORTER: 'local',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    GENAI_OTEL_FILE_DIR: folder,
    ...settings,
  };
}
