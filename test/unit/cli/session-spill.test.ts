// The session table in bounded memory (SpillingSessions) against summarizeSessions on the same spans, on the cases
// where adding parts up could go wrong: a session spread over many parts (users, feedback, revisions, turns with equal
// starts), sessions without times, ids whose byte order differs from JavaScript's, feedback that waits for its span
// across a move to disk. And the long table (SpooledTable) against table() on the same rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpillingSessions } from '../../../src/cli/telemetry/session-spill.ts';
import { SpooledTable } from '../../../src/cli/render/spooled-table.ts';
import { table, type Cell } from '../../../src/cli/render/format.ts';
import { summarizeSessions, type TelemetryLog, type TelemetrySpan } from '../../../src/sessions/summarize.ts';

const T0 = 1_700_000_000_000n * 1_000_000n;
const at = (seconds: number) => T0 + BigInt(Math.round(seconds * 1e9));
let nextId = 1;
const hex = (width: number) => (nextId++).toString(16).padStart(width, '0');

function span(start: number, end: number, attributes: Record<string, unknown>, parent?: TelemetrySpan): TelemetrySpan {
  return {
    traceId: parent?.traceId ?? hex(32),
    spanId: hex(16),
    parentSpanId: parent?.spanId,
    name: 'span',
    startTimeUnixNano: at(start),
    endTimeUnixNano: at(end),
    attributes,
  };
}

/** Spans and logs of many sessions; each trace is its own batch, as the sources hand them over. */
function telemetry(): { traces: TelemetrySpan[][]; logs: TelemetryLog[] } {
  const traces: TelemetrySpan[][] = [];
  const logs: TelemetryLog[] = [];
  // Sessions that start together (even places; odd ones half a second later) whose ids sort one way by UTF-8 bytes
  // and another by UTF-16 code units.
  const ids = ['s-\u{1F600}', 'S', 's-\uFF01', 's-', 's-a', 's-\u00e9'];
  for (let round = 0; round < 40; round++) {
    for (const [index, id] of ids.entries()) {
      const base = round * 100 + (index % 2) * 0.5;
      const user = { 'session.id': id, 'user.id': `user-${round % 3}-${index}` };
      const revision =
        round % 5 === 0
          ? span(base, base + 4, { ...user, 'genai_otel.revision.type': round % 10 === 0 ? 'reran' : 'edited' })
          : undefined;
      const turn = span(base + 0.5, base + 3, { ...user, 'gen_ai.operation.name': 'invoke_agent' }, revision);
      const inner = span(base + 1, base + 2, { ...user, 'gen_ai.operation.name': 'chat' }, turn);
      // A second turn starting with the first (its order among equals must survive the move to disk).
      const twin = span(base + 0.5, base + 2.5, { ...user, 'gen_ai.operation.name': 'chat' });
      traces.push(revision === undefined ? [turn, inner] : [revision, turn, inner], [twin]);
      logs.push({
        traceId: turn.traceId,
        spanId: turn.spanId,
        eventName: 'gen_ai.evaluation.result',
        timeUnixNano: at(base + 50),
        attributes: { 'gen_ai.evaluation.score.label': round % 2 === 0 ? 'liked' : 'disliked' },
      });
    }
  }
  // A session whose spans carry no usable time, and one known only from a log record.
  traces.push([
    { ...span(0, 0, { 'session.id': 'no-time', 'gen_ai.operation.name': 'chat' }), startTimeUnixNano: 'x' },
  ]);
  logs.push({ eventName: 'app.other', timeUnixNano: at(7), attributes: { 'session.id': 'only-a-log' } });
  return { traces, logs };
}

test('parts moved to disk add up to summarizeSessions, row for row and in its order', () => {
  const { traces, logs } = telemetry();
  const expected = summarizeSessions(traces.flat(), logs);
  for (const bounds of [
    { sessions: 1, turns: 1 },
    { sessions: 3, turns: 1_000 },
    { sessions: 1_000, turns: 5 },
  ]) {
    const sessions = new SpillingSessions(bounds);
    try {
      // The logs come in two batches, so that feedback waiting for its span outlives a move to disk.
      sessions.addLogs(logs.slice(0, 100));
      sessions.addLogs(logs.slice(100));
      for (const batch of traces) sessions.addSpans(batch);
      assert.ok(sessions.spills > 5, `${sessions.spills} spills with ${JSON.stringify(bounds)}`);
      assert.deepEqual([...sessions.rows()], expected, JSON.stringify(bounds));
    } finally {
      sessions.close();
    }
  }
  assert.equal(expected[0]!.sessionId, 'no-time', 'a session without both times is shown at 0');
  assert.deepEqual(
    expected.slice(1, 4).map((row) => row.sessionId),
    ['s-a', 's-\u{1F600}', 's-\uFF01'],
    'sessions that began together, by UTF-16 code units (UTF-8 bytes would put U+FF01 before the emoji)',
  );
  assert.ok(expected.some((row) => row.userIds.length > 1 && row.retried > 0 && row.likes > 0 && row.edited > 0));
});

test('below the bound nothing goes to disk; close is safe twice', () => {
  const { traces, logs } = telemetry();
  const small = new SpillingSessions();
  small.addLogs(logs);
  for (const batch of traces) small.addSpans(batch);
  assert.deepEqual([...small.rows()], summarizeSessions(traces.flat(), logs));
  assert.equal(small.spills, 0);
  small.close();
  small.close();
});

test('a long table is laid out the same whether its rows wait in memory or on disk', () => {
  const header = ['id', 'name', 'count'];
  const rows: Cell[][] = [];
  for (let index = 0; index < 50; index++)
    rows.push([`row-${index}`, 'é\u{1F600}'.repeat(index % 7), { right: String(index ** 3) }]);
  rows.push(['\u001b[1mbold\u001b[22m', '', { right: '' }]);
  for (const inMemory of [0, 10, 1_000]) {
    const spooled = new SpooledTable(header, inMemory);
    try {
      for (const row of rows) spooled.add(row);
      assert.equal(spooled.count, rows.length);
      assert.deepEqual([...spooled.lines('')], table(header, rows, ''), `${inMemory} rows in memory`);
    } finally {
      spooled.close();
    }
  }
});
