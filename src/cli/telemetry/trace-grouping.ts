// Whole traces from JSON-lines files without holding the files: the file exporter writes a span when it ends, so a
// trace's spans are spread over a few neighbouring lines. A first pass (no JSON parsing: a byte scan for
// `"traceId":"<hex>"` and `"startTimeUnixNano":"<digits>"`) notes the last line on which each trace appears and which
// lines hold no span of the window; the second pass parses the other lines, holds each trace's spans until that line
// and hands the trace on whole. Lines before the window are neither indexed nor parsed: a day's report over ten days
// of files costs the day's memory and the day's JSON.parse. Memory: the index (trace-index.ts, 24 to 48 bytes per
// trace of the window) plus the spans of the traces still open at any line (a few batches' worth with the file
// exporter; a trace that runs across the whole file is held that long).
import type { Progress } from '../render/progress.ts';
import { isBlank, linesOf, type OpenedFile } from './line-reader.ts';
import { spansOf, type CliSpan } from './otlp-json.ts';
import { TraceLineIndex } from './trace-index.ts';
import { isBefore, SPAN_START_KEYS, timesOf, writtenBeforeWindow } from './line-times.ts';

const TRACE_ID_KEY = Buffer.from('"traceId":"');
const QUOTE = 0x22;

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * A number standing for a trace id: its first 13 hex digits (52 bits, exact in a double). Two traces may share one;
 * the index then only holds the first trace a little longer, never hands on a part of a trace.
 *
 * @example traceKey('4bf92f3577b34da6a3ce929d0e0e4736') // 0x4bf92f3577b34
 */
export function traceKey(traceId: string): number {
  return Number.parseInt(traceId.slice(0, 13), 16);
}

/** The key of the 32-hex-digit trace id at `offset` in `line`, or undefined when there is none (base64, cut short). */
function traceKeyAt(line: Buffer, offset: number): number | undefined {
  if (offset + 33 > line.length || line[offset + 32] !== QUOTE) return undefined;
  let key = 0;
  for (let index = 0; index < 32; index++) {
    const digit = hexDigit(line[offset + index]!);
    if (digit < 0) return undefined;
    if (index < 13) key = key * 16 + digit;
  }
  return key;
}

/**
 * The first pass: the last line (counted over all `files`, from 0) on which each trace of the window appears, by
 * traceKey, and the lines whose spans all started before `sinceMillis` (neither indexed nor, later, parsed). Ids written
 * otherwise than as 32 hex digits are not indexed: grouping then holds those traces to the end (correct, not bounded).
 *
 * @example
 * const index = await indexTraceLines(files, Date.now() - 86_400_000, progress);
 */
export async function indexTraceLines(
  files: readonly OpenedFile[],
  sinceMillis: number,
  progress: Progress,
): Promise<TraceLineIndex> {
  const index = new TraceLineIndex();
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let before = 0;
  let lineNumber = 0;
  for (const file of files) {
    if (writtenBeforeWindow(file, sinceMillis)) {
      // Last written before the window: not read. Its spans began before its modification time, which the coverage
      // note takes for the earliest start it saw.
      if (file.size > 0 && file.modifiedMillis < index.earliestMillis) index.earliestMillis = file.modifiedMillis;
      index.fileStarts.push({ offset: file.size, line: lineNumber });
      before += file.size;
      progress.update('scanning', before / Math.max(1, total), file.path);
      continue;
    }
    let offset = 0;
    let start: { offset: number; line: number } | undefined;
    for await (const { lines, read } of linesOf(file)) {
      for (const line of lines) {
        const number = lineNumber++;
        const lineOffset = offset;
        offset += line.length + 1;
        const starts = timesOf(line, SPAN_START_KEYS);
        if (starts !== undefined) {
          if (starts.earliest < index.earliestMillis) index.earliestMillis = starts.earliest;
          if (isBefore(starts, sinceMillis)) {
            index.markOutside(number);
            continue;
          }
        }
        start ??= { offset: lineOffset, line: number };
        for (let at = line.indexOf(TRACE_ID_KEY); at !== -1; at = line.indexOf(TRACE_ID_KEY, at + 1)) {
          const key = traceKeyAt(line, at + TRACE_ID_KEY.length);
          if (key !== undefined) index.setLastLine(key, number);
        }
      }
      progress.update('scanning', (before + read) / Math.max(1, total), file.path);
    }
    index.fileStarts.push(start ?? { offset: file.size, line: lineNumber });
    before += file.size;
  }
  return index;
}

export interface GroupingOptions {
  /** Spans that start before are not read (those of a trace that began earlier too); the index was made with it. */
  sinceMillis: number;
  /** Hears every parsed span's start, kept or not (the coverage note needs the earliest; see also earliestMillis). */
  onStart?: (startMillis: number) => void;
  /** A whole trace is handed on when this says yes; it may change the list. */
  select: (trace: CliSpan[]) => CliSpan[] | undefined;
  /** Spans per batch handed on (a larger trace comes alone). */
  batchSpans?: number;
  /** Lines that could not be parsed (cut short by a crash or a full disk) are counted here. */
  counts?: { lines: number; bad: number };
}

/**
 * The spans of `files`, whole trace by whole trace, in batches: no trace is split across batches. Traces come in the
 * order their last span was written.
 *
 * @example
 * const index = await indexTraceLines(files, 0, progress);
 * for await (const batch of groupedTraces(files, index, { sinceMillis: 0, select: (t) => t }, progress)) ...
 */
export async function* groupedTraces(
  files: readonly OpenedFile[],
  index: TraceLineIndex,
  options: GroupingOptions,
  progress: Progress,
): AsyncGenerator<CliSpan[]> {
  const batchSpans = options.batchSpans ?? 4096;
  const open = new Map<string, CliSpan[]>();
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let batch: CliSpan[] = [];
  let before = 0;
  const finish = (traceId: string): void => {
    const trace = open.get(traceId)!;
    open.delete(traceId);
    const kept = options.select(trace);
    if (kept !== undefined) for (const span of kept) batch.push(span);
  };
  for (const [position, file] of files.entries()) {
    // The lines before the file's first line of the window are not read again.
    const start = index.fileStarts[position]!;
    let lineNumber = start.line;
    for await (const { lines, read } of linesOf(file, start.offset)) {
      for (const line of lines) {
        const number = lineNumber++;
        if (!index.inWindow(number) || isBlank(line)) continue;
        if (options.counts !== undefined) options.counts.lines++;
        let spans: CliSpan[];
        try {
          spans = spansOf(JSON.parse(line.toString('utf8')));
        } catch {
          if (options.counts !== undefined) options.counts.bad++;
          continue;
        }
        const touched = new Set<string>();
        for (const span of spans) {
          options.onStart?.(span.startMillis);
          if (span.startMillis < options.sinceMillis) continue;
          let trace = open.get(span.traceId);
          if (trace === undefined) open.set(span.traceId, (trace = []));
          trace.push(span);
          touched.add(span.traceId);
        }
        for (const traceId of touched) {
          const last = index.lastLine(traceKey(traceId));
          if (last !== undefined && last <= number) finish(traceId);
        }
      }
      progress.update('reading', (before + read) / Math.max(1, total), file.path);
      if (batch.length >= batchSpans) {
        yield batch;
        batch = [];
      }
    }
    before += file.size;
  }
  // Traces the index did not know (ids not in hex) or whose key another trace shares end here.
  for (const traceId of [...open.keys()]) finish(traceId);
  if (batch.length > 0) yield batch;
}
