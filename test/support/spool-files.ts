// Reading a spool folder from tests: payloads live in one subfolder per signal and destination.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import { destinationFolder, spoolDestinations, type SignalName } from '../../src/export/spool.ts';
import { spoolOptionsFor } from '../../src/sdk/exporters.ts';

/**
 * Names of the payload files (`*.otlp`) in every destination subfolder of a spool, oldest first; [] when none.
 *
 * @example
 * assert.ok(spooledPayloads(spool).some((name) => name.includes('.traces.')));
 */
export function spooledPayloads(spoolDirectory: string): string[] {
  let folders: string[];
  try {
    folders = readdirSync(spoolDirectory).filter((name) => statSync(join(spoolDirectory, name)).isDirectory());
  } catch {
    return [];
  }
  return folders.flatMap((folder) => readdirSync(join(spoolDirectory, folder)).filter((name) => name.endsWith('.otlp'))).sort();
}

/** Items waiting in a spool: the sum of the item counts its payload names carry. */
export const spooledItems = (spoolDirectory: string): number => spooledPayloads(spoolDirectory).reduce((total, name) => total + Number(name.split('.').at(-2)), 0);

/**
 * The folder in which a run with environment `env` (as given to runFixture) spools `signal`: computed the way the
 * preload computes it, from the signal's URL, the service name and the deployment environment.
 *
 * @example
 * writeFileSync(join(spoolFolderFor(env, 'traces'), name), payload);
 */
export function spoolFolderFor(env: Readonly<Record<string, string | undefined>>, signal: SignalName): string {
  const { config } = resolveConfig(env);
  const spool = spoolOptionsFor(config, env.OTEL_SERVICE_NAME ?? 'unknown_service');
  const destination = spoolDestinations({ [signal]: config[signal].otlp }, spool.destination)[signal]!;
  return join(spool.directory, destinationFolder(signal, destination));
}
