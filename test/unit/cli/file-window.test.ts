// The JSON-lines reader's time window: lines whose spans all started before `--since` are neither indexed nor parsed,
// and what the commands get is still every span of the window, each trace whole in one batch, also for traces that
// straddle the window's start (a root span begun before it, written after its children).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource } from '../../../src/cli/telemetry/source.ts';
import { closeFiles, openFiles } from '../../../src/cli/telemetry/line-reader.ts';
import { spansOf } from '../../../src/cli/telemetry/otlp-json.ts';
import { indexTraceLines } from '../../../src/cli/telemetry/trace-grouping.ts';
import { TraceLineIndex } from '../../../src/cli/telemetry/trace-index.ts';
import { random } from '../../support/store-data.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 6, 12);
const silent = { update: () => undefined, done: () => undefined };

interface WrittenSpan {
  traceId: string;
  spanId: string;
  startMillis: number;
  endMillis: number;
  root: boolean;
}

const hex = (next: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');

/** Traces over three days, spans written as they end (a root after its children), `perLine` spans a line. */
function writtenLines(traces: number, seed: number, perLine: number): string[] {
  const next = random(seed);
  const spans: WrittenSpan[] = [];
  for (let trace = 0; trace < traces; trace++) {
    const traceId = hex(next, 32);
    const start = NOW - 3 * 24 * HOUR + Math.floor(next() * 3 * 24 * HOUR);
    // Some traces run for hours: their root starts well before its children end.
    const length = next() < 0.1 ? Math.floor(next() * 5 * HOUR) : Math.floor(next() * 60_000);
    spans.push({ traceId, spanId: hex(next, 16), startMillis: start, endMillis: start + length, root: true });
    for (let child = Math.floor(next() * 4); child > 0; child--) {
      const childStart = start + Math.floor(next() * length);
      spans.push({
        traceId,
        spanId: hex(next, 16),
        startMillis: childStart,
        endMillis: childStart + Math.floor(next() * (start + length - childStart)),
        root: false,
      });
    }
  }
  spans.sort((a, b) => a.endMillis - b.endMillis);
  const lines: string[] = [];
  for (let from = 0; from < spans.length; from += perLine) {
    const otlp = spans.slice(from, from + perLine).map((span) => ({
      traceId: span.traceId,
      spanId: span.spanId,
      name: span.root ? 'invoke_agent support' : 'chat gpt-4o',
      kind: span.root ? 1 : 3,
      startTimeUnixNano: `${span.startMillis}${String(Math.floor(next() * 1e6)).padStart(6, '0')}`,
      endTimeUnixNano: `${span.endMillis}000000`,
      attributes: [],
      status: {},
    }));
    const line = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [{ scope: { name: 't' }, spans: otlp }],
        },
      ],
    });
    // Every tenth line written with blanks after the colons (valid JSON the byte scan does not read): parsed anyway.
    lines.push(lines.length % 10 === 9 ? line.replaceAll('":', '": ') : line);
  }
  return lines;
}

/** The slow answer: every line parsed, spans of the window grouped by trace. */
function reference(lines: readonly string[], sinceMillis: number): Map<string, string[]> {
  const traces = new Map<string, string[]>();
  for (const line of lines)
    for (const span of spansOf(JSON.parse(line)))
      if (span.startMillis >= sinceMillis) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span.spanId]);
  for (const spans of traces.values()) spans.sort();
  return traces;
}

test('every span of the window is read, each trace whole in one batch, whatever --since cuts', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-window-'));
  try {
    const lines = writtenLines(3000, 7, 25);
    const half = Math.floor(lines.length / 2);
    // Two generations, as the file exporter rotates them: the reader counts lines across both.
    writeFileSync(join(directory, 'traces.1765000000000-1.jsonl'), `${lines.slice(0, half).join('\n')}\n`);
    writeFileSync(join(directory, 'traces.jsonl'), `${lines.slice(half).join('\n')}\n`);
    const source = await openSource({
      source: 'files',
      jaegerUrl: 'http://127.0.0.1:9',
      fileDirectory: directory,
      logsFiles: [],
    });
    for (const hoursBack of [80, 60, 36, 30, 12, 1]) {
      const sinceMillis = NOW - hoursBack * HOUR;
      const expected = reference(lines, sinceMillis);
      const read = new Map<string, string[]>();
      const query = { sinceMillis, untilMillis: Infinity, limit: 20, every: true };
      for await (const batch of source.spanBatches(query, silent)) {
        const inBatch = new Set(batch.map((span) => span.traceId));
        for (const traceId of inBatch) assert.ok(!read.has(traceId), `trace ${traceId} came in two batches`);
        for (const span of batch) read.set(span.traceId, [...(read.get(span.traceId) ?? []), span.spanId]);
      }
      for (const spans of read.values()) spans.sort();
      assert.ok(expected.size > 0);
      assert.deepEqual(read, expected, `since ${hoursBack} h before`);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the index holds only the traces of lines inside the window, and marks the others to be skipped', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-window-'));
  const path = join(directory, 'traces.jsonl');
  try {
    const lines = writtenLines(4000, 11, 20);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const sinceMillis = NOW - 12 * HOUR;
    const inside = new Set<string>();
    const outsideLines: number[] = [];
    for (const [number, line] of lines.entries()) {
      const spans = spansOf(JSON.parse(line));
      const compact = !line.includes('": ');
      if (compact && spans.every((span) => span.startMillis < sinceMillis)) outsideLines.push(number);
      else for (const span of spans) inside.add(span.traceId);
    }
    const files = await openFiles([path]);
    const index = await indexTraceLines(files, sinceMillis, silent).finally(() => closeFiles(files));
    // The lines written with blanks are read whole (their ids are not found by the scan either: held to the end).
    const scanned = new Set(
      lines
        .filter((line, number) => !outsideLines.includes(number) && !line.includes('": '))
        .flatMap((line) => spansOf(JSON.parse(line)).map((span) => span.traceId)),
    );
    assert.ok(outsideLines.length > lines.length / 2, 'most lines lie before the window');
    assert.equal(index.size, scanned.size);
    assert.ok(index.size < 4000 / 2);
    for (const number of outsideLines) assert.equal(index.inWindow(number), false, `line ${number}`);
    for (let number = 0; number < lines.length; number++)
      if (!outsideLines.includes(number)) assert.equal(index.inWindow(number), true, `line ${number}`);
    assert.ok(inside.size >= scanned.size);
    // The second pass starts at the first line of the window, not at the file's start.
    const first = lines.findIndex((_, number) => !outsideLines.includes(number));
    const offset = lines.slice(0, first).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
    assert.ok(first > 0);
    assert.deepEqual(index.fileStarts, [{ offset, line: first }]);
    assert.ok(index.earliestMillis < NOW - 3 * 24 * HOUR + HOUR);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the trace index keeps the last line of each of 300,000 keys, keys that differ only in their first digits too', () => {
  const index = new TraceLineIndex();
  const next = random(3);
  const keys: number[] = [];
  for (let count = 0; count < 30_000; count++) {
    const low = Math.floor(next() * 2 ** 40);
    // Ten copies of each id, differing only in the leading digits (as bench/grow-jsonl.ts makes them).
    for (let copy = 0; copy < 10; copy++) keys.push(copy * 2 ** 48 + low);
  }
  const expected = new Map<number, number>();
  for (const [line, key] of keys.entries()) index.setLastLine(key, line);
  for (const [line, key] of keys.entries()) {
    index.setLastLine(key, line + 1);
    expected.set(key, line + 1);
  }
  assert.equal(index.size, expected.size);
  for (const [key, line] of expected) assert.equal(index.lastLine(key), line);
  assert.equal(index.lastLine(2 ** 52 - 1), undefined);
  assert.equal(index.inWindow(5_000_000), true);
  index.markOutside(5_000_000);
  assert.equal(index.inWindow(5_000_000), false);
  assert.equal(index.inWindow(4_999_999), true);
  // Released when the files are read: empty, still answering.
  index.release();
  assert.equal(index.size, 0);
  assert.equal(index.lastLine(keys[0]!), undefined);
  assert.equal(index.inWindow(5_000_000), true);
});
