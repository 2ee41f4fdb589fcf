// The CLI over JSON-lines files that reach far back before `--since` (issue 23: ten days of files, a day's report):
// what lies before the window must cost neither memory nor parsing. Two folders with the same last hour of traces, one
// with 15 times more lines before it than the other; `report --since 1h` on each, the built executable as a user runs
// it (with the young-generation cap its child gets), and the peak RSS and CPU time of the two compared in this run.
// Before the window pre-filter, every trace of every line went into the index and every line through JSON.parse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runFixture } from '../support/run-fixture.ts';
import { cliPath } from '../support/support-agent.ts';
import { random } from '../support/store-data.ts';
import { READING_FLAGS } from '../../src/entry/reading-flags.ts';

const HOUR = 3_600_000;
const SPANS_PER_LINE = 200;
const RECENT_LINES = 60;
const CHAT = [
  { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
  { key: 'gen_ai.usage.input_tokens', value: { intValue: 1200 } },
  { key: 'gen_ai.usage.output_tokens', value: { intValue: 80 } },
];
let folder: string;

/** One export line of `count` spans of their own traces, started at `startMillis(index)`. */
function exportLine(
  next: () => number,
  count: number,
  startMillis: (index: number) => number,
  attributes: { key: string; value: Record<string, unknown> }[],
): string {
  const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(next() * 16).toString(16)).join('');
  const spans = Array.from({ length: count }, (_, index) => {
    const start = startMillis(index);
    return {
      traceId: hex(32),
      spanId: hex(16),
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: `${start}000000`,
      endTimeUnixNano: `${start + 900}000000`,
      attributes,
      status: {},
    };
  });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support' } }] },
        scopeSpans: [{ scope: { name: 'genai-otel' }, spans }],
      },
    ],
  });
}

/** A folder of the file exporter: `olderLines` lines of 2 to 9 days ago (a rotated generation), then the last hour. */
function writeFolder(name: string, olderLines: number): string {
  const directory = join(folder, name);
  mkdirSync(directory);
  const now = Date.now();
  const next = random(5);
  const older: string[] = [];
  for (let line = 0; line < olderLines; line++) {
    const from = now - 9 * 24 * HOUR + (line / olderLines) * 7 * 24 * HOUR;
    // Small spans, many traces per byte: what the index held grows fastest with them.
    older.push(exportLine(next, SPANS_PER_LINE, (index) => Math.floor(from + index * 10), []));
  }
  writeFileSync(join(directory, 'traces.1765000000000-1.jsonl'), `${older.join('\n')}\n`);
  const recent: string[] = [];
  for (let line = 0; line < RECENT_LINES; line++)
    recent.push(exportLine(next, SPANS_PER_LINE, (index) => now - HOUR / 2 + line * 20_000 + index * 10, CHAT));
  writeFileSync(join(directory, 'traces.jsonl'), `${recent.join('\n')}\n`);
  return directory;
}

async function reportOf(directory: string): Promise<{ requests: number; maxRssBytes: number; cpuMillis: number }> {
  const result = await runFixture(cliPath, {
    nodeArgs: [...READING_FLAGS, '--require', fixture('usage-at-exit.cjs')],
    args: ['report', '--json', '--since', '1h', '--source', 'files', '--dir', directory],
    env: { PATH: process.env.PATH },
    timeoutMillis: 240_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const usage = JSON.parse(/usage-at-exit (\{.*\})/.exec(result.stderr)![1]!) as {
    maxRssBytes: number;
    cpuMillis: number;
  };
  return { requests: (JSON.parse(result.stdout) as { requests: number }).requests, ...usage };
}

before(() => {
  folder = mkdtempSync(join(tmpdir(), 'genai-otel-window-memory-'));
});
after(() => rmSync(folder, { recursive: true, force: true }));

test('report --since 1h over files reaching back days costs what the hour costs, not what the files hold', async () => {
  const small = writeFolder('small', 100);
  const large = writeFolder('large', 1500);
  const first = await reportOf(small);
  const second = await reportOf(large);
  // Both folders hold the same hour: the same answer.
  assert.equal(first.requests, RECENT_LINES * SPANS_PER_LINE);
  assert.equal(second.requests, first.requests);
  // 280,000 more traces before the window (60 MB of lines): before the pre-filter they took a third more RSS (88 to
  // 121 MB on Node 24) and 3.4 times the CPU; now only the byte scan reads them (1.0x and 1.4x measured).
  assert.ok(
    second.maxRssBytes < first.maxRssBytes * 1.15,
    `peak RSS ${(second.maxRssBytes / 1e6).toFixed(0)} MB with 15x the older lines, ${(first.maxRssBytes / 1e6).toFixed(0)} MB without`,
  );
  assert.ok(
    second.cpuMillis < first.cpuMillis * 2.2,
    `CPU ${second.cpuMillis.toFixed(0)} ms with 15x the older lines, ${first.cpuMillis.toFixed(0)} ms without`,
  );
});

test('the reading commands run in a child process with the heap flags of READING_FLAGS', async () => {
  const directory = writeFolder('flags', 2);
  const result = await runFixture(cliPath, {
    args: ['report', '--json', '--since', '1h', '--source', 'files', '--dir', directory],
    env: { PATH: process.env.PATH, NODE_OPTIONS: `--require ${fixture('exec-argv-at-exit.cjs')}` },
    timeoutMillis: 120_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const processes = [...result.stderr.matchAll(/exec-argv (\[.*\])/g)].map(
    (match) => JSON.parse(match[1]!) as string[],
  );
  assert.equal(processes.length, 2, 'the command and its child');
  assert.deepEqual(processes[0]!.slice(0, READING_FLAGS.length), READING_FLAGS, 'the child, which ends first');
  assert.ok(!READING_FLAGS.some((flag) => processes[1]!.includes(flag)), 'the command as started');
});
