// Local telemetry: the JSON-lines files of the `file` exporter (GENAI_OTEL_FILE_DIR), or any file of OTLP/JSON lines
// such as the bundled Collector's log file. Read line by line, so large files never sit in memory whole.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Progress } from '../render/progress.ts';
import { rotatedGenerations } from '../../export/file-exporter.ts';
import { logsOf, spansOf, type CliLog, type CliSpan } from './otlp-json.ts';

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

/** Calls `onRecord` with each parsed line of `paths`; unparsable lines are counted, not fatal. */
export async function readJsonLines(
  paths: readonly string[],
  onRecord: (record: unknown) => void,
  progress?: Progress,
): Promise<{ lines: number; bad: number }> {
  const total = paths.reduce((sum, path) => sum + statSync(path).size, 0);
  let done = 0;
  let lines = 0;
  let bad = 0;
  for (const path of paths) {
    const input = createReadStream(path, { encoding: 'utf8' });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      done += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      lines++;
      try {
        onRecord(JSON.parse(line));
      } catch {
        bad++; // a line cut short by a crash or a full disk
      }
      if (lines % 200 === 0) progress?.update(`reading ${path}: ${Math.round((done / Math.max(total, 1)) * 100)} %`);
    }
  }
  progress?.done();
  return { lines, bad };
}

/** Spans from the traces files, started at or after `sinceMillis`; `earliest` hears the first start in the files. */
export async function readSpanFiles(
  paths: readonly string[],
  sinceMillis: number,
  progress?: Progress,
  earliest?: (startMillis: number) => void,
): Promise<CliSpan[]> {
  const spans: CliSpan[] = [];
  let first = Infinity;
  await readJsonLines(
    paths,
    (record) => {
      for (const span of spansOf(record)) {
        if (span.startMillis < first) first = span.startMillis;
        if (span.startMillis >= sinceMillis) spans.push(span);
      }
    },
    progress,
  );
  if (first !== Infinity) earliest?.(first);
  return spans;
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

/** Log records from log files, at or after `sinceMillis`. */
export async function readLogFiles(
  paths: readonly string[],
  sinceMillis: number,
  progress?: Progress,
): Promise<CliLog[]> {
  const logs: CliLog[] = [];
  await readJsonLines(
    paths,
    (record) => {
      for (const log of logsOf(record)) if (log.timeMillis >= sinceMillis) logs.push(log);
    },
    progress,
  );
  return logs;
}
