// Reading a spool folder from tests: payloads live in one subfolder per signal and destination.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
  return folders
    .flatMap((folder) => readdirSync(join(spoolDirectory, folder)).filter((name) => name.endsWith('.otlp')))
    .sort();
}

/** Items waiting in a spool: the sum of the item counts its payload names carry. */
export const spooledItems = (spoolDirectory: string): number =>
  spooledPayloads(spoolDirectory).reduce((total, name) => total + Number(name.split('.').at(-2)), 0);
