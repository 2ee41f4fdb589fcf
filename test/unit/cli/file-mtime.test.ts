// Rotated JSON-lines files last written before `--since` (less a day for clocks that disagree) are not read at all:
// the bytes read say so, not timing. A file written recently is read whatever its spans say, and one whose producer's
// clock runs ahead of the file's (a span that starts after its file's modification time) still gives its spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource } from '../../../src/cli/telemetry/source.ts';
import { readCounters } from '../../../src/cli/telemetry/line-reader.ts';
import { FILE_CLOCK_MARGIN_MILLIS } from '../../../src/cli/telemetry/line-times.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const silent = { update: () => undefined, done: () => undefined };

/** One line of `count` spans of one trace per span, starting at `startMillis` a second apart. */
function spanLine(tag: string, startMillis: number, count: number): string {
  const spans = Array.from({ length: count }, (_, index) => ({
    traceId: `${tag}${String(index).padStart(8, '0')}`.padStart(32, '0').replaceAll(/[^0-9a-f]/g, 'a'),
    spanId: String(index).padStart(16, '0'),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: `${startMillis + index * 1000}000000`,
    endTimeUnixNano: `${startMillis + index * 1000 + 500}000000`,
    attributes: [],
    status: {},
  }));
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ scope: { name: 't' }, spans }],
      },
    ],
  });
}

function logLine(timeMillis: number): string {
  const record = { timeUnixNano: `${timeMillis}000000`, body: { stringValue: 'x' }, attributes: [] };
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeLogs: [{ scope: { name: 't' }, logRecords: [record] }],
      },
    ],
  });
}

const setModified = (path: string, millis: number) => utimesSync(path, millis / 1000, millis / 1000);

test('files last written before the window (less the clock margin) are not read; recent ones are, old spans or not', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-mtime-'));
  try {
    const now = Date.now();
    const since = now - DAY;
    const path = (name: string) => join(directory, name);
    // Two old generations: spans and log records of five and four days ago.
    writeFileSync(path('traces.1700000000001-1.jsonl'), `${spanLine('a1', now - 5 * DAY, 50)}\n`.repeat(20));
    writeFileSync(path('traces.1700000000002-1.jsonl'), `${spanLine('a2', now - 4 * DAY, 50)}\n`.repeat(20));
    writeFileSync(path('logs.1700000000001-1.jsonl'), `${logLine(now - 5 * DAY)}\n`.repeat(100));
    // Written half a day before the window by a producer whose clock runs 13 h ahead: its span is in the window.
    writeFileSync(path('traces.1700000000003-1.jsonl'), `${spanLine('b3', since + HOUR, 1)}\n`);
    // The current file holds an old span and a new one.
    writeFileSync(path('traces.jsonl'), `${spanLine('c4', now - 3 * DAY, 1)}\n${spanLine('d5', now - HOUR, 2)}\n`);
    writeFileSync(path('logs.jsonl'), `${logLine(now - HOUR)}\n`);
    const old = ['traces.1700000000001-1.jsonl', 'traces.1700000000002-1.jsonl', 'logs.1700000000001-1.jsonl'];
    const oldBytes = old.reduce((sum, name) => sum + statSync(path(name)).size, 0);
    const source = await openSource({
      source: 'files',
      jaegerUrl: 'http://127.0.0.1:9',
      fileDirectory: directory,
      logsFiles: [],
    });
    const query = { sinceMillis: since, untilMillis: Infinity, limit: 20, every: true };
    const read = async () => {
      const before = readCounters.bytes;
      const spans: string[] = [];
      let logs = 0;
      for await (const batch of source.spanBatches(query, silent)) for (const span of batch) spans.push(span.traceId);
      for await (const batch of source.logBatches(query, silent)) logs += batch.length;
      return { bytes: readCounters.bytes - before, spans: spans.sort(), logs };
    };

    // All written just now: every file is read.
    const recent = await read();
    setModified(path(old[0]!), now - 5 * DAY + HOUR);
    setModified(path(old[1]!), now - 4 * DAY + HOUR);
    setModified(path(old[2]!), since - FILE_CLOCK_MARGIN_MILLIS - 1000);
    setModified(path('traces.1700000000003-1.jsonl'), since - 12 * HOUR);
    const skipped = await read();
    // No note that the files cover less than the window: the unread files reach back before it.
    assert.deepEqual(source.notes, []);

    assert.equal(recent.bytes - skipped.bytes, oldBytes, 'the old files, and only they, are left unread');
    assert.deepEqual(skipped.spans, recent.spans, 'the same spans');
    assert.equal(skipped.logs, 1);
    assert.equal(recent.logs, 1);
    assert.equal(skipped.spans.length, 3, 'the skewed file and the new spans of the current file');
    assert.ok(skipped.spans.some((traceId) => traceId.includes('b3')));
    // An old window reads everything again.
    const all = await (async () => {
      const before = readCounters.bytes;
      for await (const batch of source.spanBatches({ ...query, sinceMillis: now - 6 * DAY }, silent)) void batch;
      return readCounters.bytes - before;
    })();
    assert.ok(all > oldBytes);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
