// Local telemetry: the JSON-lines files of the `file` exporter (GENAI_OTEL_FILE_DIR), or any file of OTLP/JSON lines
// such as the bundled Collector's log file. Read line by line, so large files never sit in memory whole.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/** Spans from the traces files, started at or after `sinceMillis`. */
export async function readSpanFiles(
  paths: readonly string[],
  sinceMillis: number,
  progress?: Progress,
): Promise<CliSpan[]> {
  const spans: CliSpan[] = [];
  await readJsonLines(
    paths,
    (record) => {
      for (const span of spansOf(record)) if (span.startMillis >= sinceMillis) spans.push(span);
    },
    progress,
  );
  return spans;
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
