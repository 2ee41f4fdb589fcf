// The local files after rotation: the CLI reads every generation, and says when they no longer reach back to the
// start of the window asked for instead of showing a fraction under that window's label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allSpans, openSource } from '../../../src/cli/telemetry/source.ts';

const HOUR = 3_600_000;
const silent = { update: () => undefined, done: () => undefined };

function line(traceNumber: number, startMillis: number): string {
  const span = {
    traceId: traceNumber.toString(16).padStart(32, '0'),
    spanId: '00000000000000a1',
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: `${startMillis}000000`,
    endTimeUnixNano: `${startMillis + 5}000000`,
    attributes: [],
    status: {},
  };
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ scope: { name: 't' }, spans: [span] }],
      },
    ],
  });
}

test('rotated generations are all read, and a window older than the files is said to be uncovered', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-coverage-'));
  const now = Date.now();
  const older = now - 3 * HOUR;
  writeFileSync(join(directory, `traces.${String(older).padStart(13, '0')}-1.jsonl`), `${line(1, older)}\n`);
  writeFileSync(
    join(directory, `traces.${String(now - HOUR).padStart(13, '0')}-2.jsonl`),
    `${line(2, now - 2 * HOUR)}\n`,
  );
  writeFileSync(join(directory, 'traces.jsonl'), `${line(3, now - HOUR)}\n`);
  const source = await openSource({
    source: 'files',
    jaegerUrl: 'http://127.0.0.1:9',
    fileDirectory: directory,
    logsFiles: [],
  });
  const spans = await allSpans(
    source,
    { sinceMillis: now - 24 * HOUR, untilMillis: now, limit: 20, every: true },
    silent,
  );
  assert.equal(spans.length, 3);
  assert.match(
    source.notes.join('\n'),
    /the local files cover only the last 3 h .*raise GENAI_OTEL_FILE_MAX_BYTES or use the collector/,
  );

  const recent = await openSource({
    source: 'files',
    jaegerUrl: 'http://127.0.0.1:9',
    fileDirectory: directory,
    logsFiles: [],
  });
  await allSpans(recent, { sinceMillis: now - 2.5 * HOUR, untilMillis: now, limit: 20 }, silent);
  assert.deepEqual(recent.notes, []);
  rmSync(directory, { recursive: true });
});
