// The status files of the processes that wrote the local folder (GENAI_OTEL_FILE_DIR), read for `genai-otel doctor`:
// one per process (see src/export/folder-status.ts) and the single status.json of earlier versions.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyStatuses, isStatusName, type FolderStatus, type StatusEntry } from '../../export/folder-status.ts';

/** Larger than anything a process writes there: not read. */
const MAX_STATUS_BYTES = 1024 * 1024;

/** The file's content when it is a regular file of sane size, opened without following a link; else undefined. */
function readStatusFile(path: string): { status: FolderStatus; mtimeMs: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_STATUS_BYTES) return undefined;
    const status: unknown = JSON.parse(readFileSync(fd, 'utf8'));
    if (status === null || typeof status !== 'object' || Array.isArray(status)) return undefined;
    return { status: status, mtimeMs: info.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Every process's status file in `directory`, oldest write first, with whether its process runs, ended, or vanished
 * (killed or crashed). Unreadable files are left out.
 *
 * @example
 * readFolderStatuses('.genai-otel').filter((entry) => entry.state === 'running').length; // processes writing now
 */
export function readFolderStatuses(directory: string): StatusEntry[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter(isStatusName);
  } catch {
    return [];
  }
  const files = names.flatMap((name) => {
    const read = readStatusFile(join(directory, name));
    if (read === undefined) return [];
    const written = typeof read.status.writtenAt === 'string' ? Date.parse(read.status.writtenAt) : Number.NaN;
    return [{ name, status: read.status, writtenMillis: Number.isNaN(written) ? read.mtimeMs : written }];
  });
  return classifyStatuses(files).sort((a, b) => a.writtenMillis - b.writtenMillis || a.name.localeCompare(b.name));
}

/**
 * How doctor names a process: its pid and what became of it.
 *
 * @example
 * processLabel(entry); // 'process 4242, running, as of 2026-12-07T05:00:00.000Z'
 */
export function processLabel(entry: StatusEntry): string {
  const pid = String(entry.status.pid ?? '?');
  const at = new Date(entry.writtenMillis).toISOString();
  if (entry.legacy) return `process ${pid}, ${entry.state === 'running' ? 'running' : 'ended'}, as of ${at}`;
  if (entry.state === 'running') return `process ${pid}, running, as of ${at}`;
  if (entry.state === 'ended') return `process ${pid}, ended ${entry.status.endedAt ?? at}`;
  return `process ${pid}, gone without a last word (killed or crashed), as of ${at}`;
}
