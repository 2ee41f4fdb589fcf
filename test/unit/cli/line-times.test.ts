// Times read from an OTLP/JSON line's bytes decide that a line lies before the window and is not parsed: they must
// never say "before" for a line holding a span or record of the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBefore, LOG_TIME_KEYS, SPAN_START_KEYS, timesOf } from '../../../src/cli/telemetry/line-times.ts';
import { allLogs, openSource } from '../../../src/cli/telemetry/source.ts';

const line = (text: string) => Buffer.from(text);
const silent = { update: () => undefined, done: () => undefined };

test('span starts are read quoted or not, rounded down to the millisecond; other spellings are not read', () => {
  const two = line('{"startTimeUnixNano":"1796511436734494873","x":1,"startTimeUnixNano":1796511436999999999}');
  assert.deepEqual(timesOf(two, SPAN_START_KEYS), { earliest: 1796511436734, latest: 1796511436999 });
  assert.deepEqual(timesOf(line('{"startTimeUnixNano":"999999"}'), SPAN_START_KEYS), { earliest: 0, latest: 0 });
  assert.deepEqual(timesOf(line('{"startTimeUnixNano":"5000000"}'), SPAN_START_KEYS), { earliest: 5, latest: 5 });
  for (const other of [
    '{"startTimeUnixNano": "1796511436734494873"}',
    '{"startTimeUnixNano":"17965114367344948731"}',
    '{"startTimeUnixNano":"1796511436734494873x"}',
    '{"startTimeUnixNano":""}',
    '{"startTimeUnixNano":{"high":1,"low":2}}',
    '{"endTimeUnixNano":"1796511436734494873"}',
  ])
    assert.equal(timesOf(line(other), SPAN_START_KEYS), undefined, other);
  // A span 0.9 ms after the window's start (rounded down to the start) must not be taken for one before it.
  const times = timesOf(line('{"startTimeUnixNano":"1000000900000"}'), SPAN_START_KEYS)!;
  assert.equal(isBefore(times, 1_000_000), false);
  assert.equal(isBefore(times, 999_999), false);
  assert.equal(isBefore(times, 1_000_001), true);
});

test('log lines before the window are skipped, a record timed only by its observed time is kept', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-log-times-'));
  try {
    const now = Date.UTC(2026, 11, 6, 12);
    const record = (name: string, time: number, observed: number) =>
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: `${time}000000`,
                    observedTimeUnixNano: `${observed}000000`,
                    eventName: name,
                    attributes: [],
                  },
                ],
              },
            ],
          },
        ],
      });
    const lines = [
      record('old', now - 5_000_000, now - 5_000_000),
      record('observed only', 0, now - 1000),
      record('new', now - 1000, now - 1000),
    ];
    assert.deepEqual(timesOf(line(lines[1]!), LOG_TIME_KEYS), { earliest: 0, latest: now - 1000 });
    writeFileSync(join(directory, 'logs.jsonl'), `${lines.join('\n')}\n`);
    const source = await openSource({
      source: 'files',
      jaegerUrl: 'http://127.0.0.1:9',
      fileDirectory: directory,
      logsFiles: [],
    });
    const logs = await allLogs(source, { sinceMillis: now - 60_000, untilMillis: now, limit: 0 }, silent);
    assert.deepEqual(logs.map((log) => log.eventName).sort(), ['new', 'observed only']);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
