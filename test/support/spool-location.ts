// Where the preload spools a signal, computed as the preload computes it (tests that plant files there).
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import { destinationFolder, spoolDestinations, type SignalName } from '../../src/export/spool.ts';
import { spoolOptionsFor } from '../../src/sdk/pipelines.ts';

/**
 * The folder in which a run with environment `env` (as given to runFixture) spools `signal`: computed the way the
 * preload computes it, from the signal's URL, the service name and the deployment environment.
 *
 * @example
 * writeFileSync(join(spoolFolderFor(env, 'traces'), name), payload);
 */
export function spoolFolderFor(env: Readonly<Record<string, string | undefined>>, signal: SignalName): string {
  const { config } = resolveConfig(env);
  // The default folder is under the child's temp folder (TMPDIR), which os.tmpdir() reads at each call.
  const ownTmpdir = process.env.TMPDIR;
  if (env.TMPDIR !== undefined) process.env.TMPDIR = env.TMPDIR;
  try {
    const spool = spoolOptionsFor(config, env.OTEL_SERVICE_NAME ?? 'unknown_service');
    const destination = spoolDestinations({ [signal]: config[signal].otlp }, spool.destination)[signal]!;
    return join(spool.directory, destinationFolder(signal, destination));
  } finally {
    if (ownTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = ownTmpdir;
  }
}
