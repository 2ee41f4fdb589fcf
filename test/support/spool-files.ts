// Reading a spool folder from tests: payloads live in one subfolder per signal and destination.
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** A process's status file in a spool folder, as the delivery writes it (see src/export/folder-status.ts). */
export interface SpoolStatusFile {
  pid: number;
  startedAt: string;
  writtenAt: string;
  endedAt?: string;
  signals: Record<'traces' | 'metrics' | 'logs', Record<string, number>>;
  spool: { entries: number; bytes: number; writable: boolean };
  collectorReachable?: boolean;
  lastError?: { signal: string; reason: string; at: string };
}

/** The per-process status files in a spool folder (`status.<pid>-<start>.json`), by name. */
export function spoolStatusFiles(spoolDirectory: string): string[] {
  return readdirSync(spoolDirectory)
    .filter((name) => /^status\.\d+-\d+\.json$/.test(name))
    .sort();
}

/**
 * The status file of the one process that used a spool; throws when there is none or more than one.
 *
 * @example
 * assert.equal(spoolStatus(env.GENAI_OTEL_SPOOL_DIR!).signals.traces.dropped, 7);
 */
export function spoolStatus(spoolDirectory: string): SpoolStatusFile {
  const names = spoolStatusFiles(spoolDirectory);
  if (names.length !== 1)
    throw new Error(`expected one status file in ${spoolDirectory}, found: ${readdirSync(spoolDirectory).join(', ')}`);
  return JSON.parse(readFileSync(join(spoolDirectory, names[0]!), 'utf8')) as SpoolStatusFile;
}
