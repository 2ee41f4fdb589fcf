// Local telemetry: the JSON-lines files of the `file` exporter (GENAI_OTEL_FILE_DIR), or any file of OTLP/JSON lines
// such as the bundled Collector's log file. Read line by line, so large files never sit in memory whole.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Progress } from '../render/progress.ts';
import { rotatedGenerations } from '../../export/file-exporter.ts';
import { closeFiles, isBlank, linesOf, openFiles } from './line-reader.ts';
import { logsOf, type CliLog } from './otlp-json.ts';
import { isBefore, LOG_TIME_KEYS, timesOf, writtenBeforeWindow } from './line-times.ts';

/** The files of one signal in the order they were written: every rotated generation present, oldest first, then the current one. */
export function signalFiles(directory: string, signal: 'traces' | 'logs' | 'metrics'): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return [...rotatedGenerations(names, signal), `${signal}.jsonl`]
    .map((name) => join(directory, name))
    .filter((path) => existsSync(path));
}

/**
 * What people must know when rotated files no longer reach back to the window's start, or undefined when they do (or
 * nothing was ever rotated: then the files begin when the app first wrote them).
 *
 * @example
 * coverageNote(['traces.1765000000000-42.jsonl', 'traces.jsonl'], Date.now() - 3_600_000, since, Date.now());
 */
export function coverageNote(
  paths: readonly string[],
  earliestMillis: number | undefined,
  sinceMillis: number,
  nowMillis: number,
): string | undefined {
  const rotated = paths.some((path) => basename(path) !== 'traces.jsonl');
  if (!rotated || earliestMillis === undefined || earliestMillis <= sinceMillis) return undefined;
  return `the local files cover only the last ${describeSpan(nowMillis - earliestMillis)} (since ${new Date(earliestMillis).toISOString()}), not the whole window; older data was rotated away — raise GENAI_OTEL_FILE_MAX_BYTES or use the collector`;
}

function describeSpan(millis: number): string {
  const minutes = Math.max(1, Math.round(millis / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${Math.round(hours * 10) / 10} h` : `${Math.round((hours / 24) * 10) / 10} days`;
}

/**
 * The log records of `paths` that the query's window and service select, a chunk of lines at a time (a line whose
 * records all lie before the window is skipped unparsed).
 *
 * @example
 * for await (const batch of logBatchesOf(['logs.jsonl'], { sinceMillis: 0, untilMillis: Date.now(), limit: 0 }, progress)) ...
 */
export async function* logBatchesOf(
  paths: readonly string[],
  query: { sinceMillis: number; service?: string },
  progress: Progress,
): AsyncGenerator<CliLog[]> {
  const files = await openFiles(paths);
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let before = 0;
  try {
    for (const file of files) {
      if (writtenBeforeWindow(file, query.sinceMillis)) {
        before += file.size; // last written before the window: nothing in it can be
        continue;
      }
      for await (const { lines, read } of linesOf(file)) {
        const batch: CliLog[] = [];
        for (const line of lines) {
          if (isBlank(line)) continue;
          // A line whose records all lie before the window is not parsed.
          const times = timesOf(line, LOG_TIME_KEYS);
          if (times !== undefined && isBefore(times, query.sinceMillis)) continue;
          let logs: CliLog[];
          try {
            logs = logsOf(JSON.parse(line.toString('utf8')));
          } catch {
            continue; // a line cut short by a crash or a full disk
          }
          for (const log of logs)
            if (
              log.timeMillis >= query.sinceMillis &&
              (query.service === undefined || log.serviceName === query.service)
            )
              batch.push(log);
        }
        progress.update('reading', (before + read) / Math.max(1, total), file.path);
        if (batch.length > 0) yield batch;
      }
      before += file.size;
    }
  } finally {
    await closeFiles(files);
    progress.done();
  }
}
