// What the CLI prints: trees, tables, numbers, CSV fields, durations, colours only when asked or on a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { parseDuration } from '../../../src/cli/duration.ts';
import { csvField } from '../../../src/cli/commands/export.ts';
import { checkNode } from '../../../src/cli/commands/doctor.ts';
import { bar, percent, seconds, shortId, table, usd } from '../../../src/cli/render/format.ts';
import { progressOn } from '../../../src/cli/render/progress.ts';
import { styleFor } from '../../../src/cli/render/style.ts';
import { groupTraces, renderTrace } from '../../../src/cli/render/tree.ts';
import { tracesOfSession } from '../../../src/cli/telemetry/source.ts';
import type { CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';

const plain = styleFor(new PassThrough() as unknown as NodeJS.WriteStream);

function span(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  startMillis: number,
  attributes: Record<string, unknown> = {},
  error = false,
): CliSpan {
  return {
    traceId,
    spanId,
    parentSpanId,
    name,
    startMillis,
    durationMillis: 10,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes,
    serviceName: 'bot',
    kind: 'INTERNAL',
    error,
  };
}

test('a trace as a tree: header, children in start order, details of LLM calls, errors', () => {
  const trace = [
    span('t1', 'a', undefined, 'invoke_agent bot', 1000, { 'session.id': 's1', 'user.id': 'u1' }),
    span('t1', 'c', 'a', 'execute_tool lookup', 1003, { 'error.type': 'TimeoutError' }, true),
    span('t1', 'b', 'a', 'chat gpt-4o', 1001, {
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'genai_otel.cost.usd': 0.00213,
      'genai_otel.retry.count': 1,
      'genai_otel.retry.reason': 'rate_limited',
    }),
    span('t1', 'd', 'b', 'http POST', 1002),
  ];
  const lines = renderTrace(trace, plain);
  assert.match(lines[0]!, /^trace t1  bot  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  13 ms  session s1 \(u1\)$/);
  assert.deepEqual(lines.slice(1), [
    '└─ invoke_agent bot  10 ms',
    '   ├─ chat gpt-4o  10 ms  1,200→30 tokens (1,024 cached) · $0.00213 · retried ×1 (rate_limited)',
    '   │  └─ http POST  10 ms',
    '   └─ execute_tool lookup  10 ms  ERROR TimeoutError',
  ]);
  // A missing parent leaves its children as roots of their own.
  assert.deepEqual(renderTrace([span('t2', 'x', 'gone', 'orphan', 1)], plain).slice(1), ['└─ orphan  10 ms']);
});

test('traces are grouped newest first; a session keeps its whole traces', () => {
  const spans = [
    span('old', 'a', undefined, 'r', 1),
    span('new', 'b', undefined, 'r', 5, { 'session.id': 's' }),
    span('new', 'c', 'b', 'child', 6),
  ];
  assert.deepEqual(
    groupTraces(spans).map((trace) => trace[0]!.traceId),
    ['new', 'old'],
  );
  assert.deepEqual(
    tracesOfSession(spans, ['other', 's']).map((item) => item.spanId),
    ['b', 'c'],
  );
});

test('colour only on a terminal with colours, or when forced; progress only on a terminal', () => {
  assert.equal(plain.red('x'), 'x');
  assert.equal(styleFor(new PassThrough() as unknown as NodeJS.WriteStream, true).red('x'), '\x1b[31mx\x1b[39m');
  const tty = Object.assign(new PassThrough(), {
    isTTY: true,
    hasColors: () => false,
    columns: 80,
  }) as unknown as NodeJS.WriteStream;
  assert.equal(styleFor(tty).bold('x'), 'x', 'NO_COLOR or TERM=dumb make hasColors() false');
  const written: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 20 }) as unknown as NodeJS.WriteStream;
  stream.write = ((chunk: string) => written.push(chunk)) as never;
  const progress = progressOn(stream);
  progress.update('reading', 0.42, 'a very long file name indeed');
  progress.done();
  assert.deepEqual(written, ['\r\x1b[Kreading 42 % (a ver', '\r\x1b[K']);
  const piped = new PassThrough() as unknown as NodeJS.WriteStream;
  let wrote = false;
  piped.write = () => (wrote = true);
  progressOn(piped).update('reading', 0.5, 'x');
  assert.equal(wrote, false);
});

test('numbers, tables and bars', () => {
  assert.deepEqual([usd(0), usd(0.000213), usd(0.0213), usd(1.423)], ['$0', '$0.000213', '$0.0213', '$1.42']);
  assert.deepEqual(
    [seconds(0.0123), seconds(1.5), seconds(null), percent(0.1534), percent(null)],
    ['12 ms', '1.50 s', '–', '15.3 %', '–'],
  );
  assert.deepEqual(
    table(
      ['model', 'cost'],
      [
        ['gpt-4o', { right: '$1.50' }],
        ['o3', { right: '$0.2' }],
      ],
      '',
    ),
    ['model   cost', 'gpt-4o  $1.50', 'o3       $0.2'],
  );
  assert.deepEqual([bar(5, 10, 10), bar(0, 10), bar(0.01, 10, 10)], ['█████', '', '█']);
  assert.deepEqual(
    [shortId(`hmac-sha256:${'ab'.repeat(32)}`), shortId('session-1'), shortId('hmac-sha256:short')],
    ['hmac-sha256:abababababab…', 'session-1', 'hmac-sha256:short'],
  );
});

test('durations, CSV fields and the Node version check', () => {
  assert.deepEqual(
    ['90s', '15m', '24h', '7d', '1.5h', '250ms', '2w'].map(parseDuration),
    [90_000, 900_000, 86_400_000, 604_800_000, 5_400_000, 250, 1_209_600_000],
  );
  assert.deepEqual(['', '24', 'h', '-1h', '0s', 'yesterday'].map(parseDuration), [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(
    [
      csvField('plain'),
      csvField('a,b'),
      csvField('say "hi"'),
      csvField('two\nlines'),
      csvField(' edge'),
      csvField(undefined),
      csvField(3),
      csvField(['x']),
    ],
    ['plain', '"a,b"', '"say ""hi"""', '"two\nlines"', '" edge"', '', '3', '"[""x""]"'],
  );
  assert.equal(checkNode('22.15.0').status, 'ok');
  assert.equal(checkNode('24.0.1').status, 'ok');
  const old = checkNode('20.20.2');
  assert.equal(old.status, 'fail');
  assert.match(old.fix!, /Node\.js 22\.15 or newer/);
});

test('CSV injection (OWASP): text that would run as a formula is prefixed with a quote and quoted; our numbers stay numbers', () => {
  const cases: [unknown, string][] = [
    ['=HYPERLINK("https://evil.example","x")', `"'=HYPERLINK(""https://evil.example"",""x"")"`],
    ['+1+cmd|/C calc!A0', `"'+1+cmd|/C calc!A0"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A9)', `"'@SUM(A1:A9)"`],
    ['\t=1+1', `"'\t=1+1"`],
    ['\r=1+1', `"'\r=1+1"`],
    // A negative number as text came from telemetry: neutralised like any text.
    ['-5', `"'-5"`],
    // Numbers the CLI computed are written as numbers, negative or not.
    [-5, '-5'],
    [-0.25, '-0.25'],
    [12n, '12'],
    // Plain text is untouched; a formula character later in the cell is harmless.
    ['gpt-4o', 'gpt-4o'],
    ['a=b', 'a=b'],
    // Terminal escapes are shown, not written raw.
    ['x\u001b]0;t\u0007', 'x\\u001b]0;t\\u0007'],
  ];
  for (const [value, expected] of cases) assert.equal(csvField(value), expected, String(value));
});

test('progress off a terminal: nothing for short work, then a line every interval with the phase, ending at 100 %', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, columns: 80, write: (text: string) => lines.push(text) } as never;
  let now = 0;
  const progress = progressOn(stream, { intervalMillis: 5000, now: () => now });
  progress.update('scanning', 0.5, 'traces.jsonl');
  progress.done();
  assert.deepEqual(lines, [], 'work shorter than the interval prints nothing');
  now = 6000;
  progress.update('reading', 0.25, 'traces.jsonl');
  now = 7000;
  progress.update('reading', 0.5, 'traces.jsonl');
  now = 11_000;
  progress.update('reading', 0.756, 'traces.jsonl');
  now = 17_000;
  progress.update('aggregating', undefined, 'percentiles');
  progress.done();
  assert.deepEqual(lines, [
    'genai-otel: reading 25 % (traces.jsonl)\n',
    'genai-otel: reading 75 % (traces.jsonl)\n',
    'genai-otel: reading 100 % (traces.jsonl)\n',
    'genai-otel: aggregating (percentiles)\n',
    'genai-otel: aggregating 100 % (percentiles)\n',
  ]);
});
