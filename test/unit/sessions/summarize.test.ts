// The session table from exported data: first from hand-made spans with known times (exact figures), then from what a
// scripted chat session really exports through the helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hrTimeToNanoseconds } from '@opentelemetry/core';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextLogRecordProcessor, ContextSpanProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { recordFeedback } from '../../../src/feedback/record-feedback.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { withAgent, withToolCall } from '../../../src/genai/operations.ts';
import type { LLMCallHandle } from '../../../src/genai/llm-types.ts';
import { recordRevision, withRevision } from '../../../src/sessions/revisions.ts';
import { summarizeSessions, type TelemetryLog, type TelemetrySpan } from '../../../src/sessions/summarize.ts';

const sdk = installMemorySdk({
  spanProcessors: [new ContextSpanProcessor()],
  logRecordProcessors: [new ContextLogRecordProcessor()],
});

const T0 = 1_700_000_000_000n * 1_000_000n; // nanoseconds
const at = (seconds: number) => T0 + BigInt(Math.round(seconds * 1e9));
let nextId = 1;
function span(
  name: string,
  start: number,
  end: number,
  attributes: Record<string, unknown>,
  parent?: TelemetrySpan,
): TelemetrySpan {
  return {
    traceId: parent?.traceId ?? (nextId++).toString(16).padStart(32, '0'),
    spanId: (nextId++).toString(16).padStart(16, '0'),
    parentSpanId: parent?.spanId,
    name,
    startTimeUnixNano: at(start),
    endTimeUnixNano: at(end),
    attributes,
  };
}

test('exact figures from known spans: turns, reruns, revisions, feedback joined through span ids, response times', () => {
  const s = { 'session.id': 'S1', 'user.id': 'alice' };
  const turn1 = span('invoke_agent helper', 0, 2, { ...s, 'gen_ai.operation.name': 'invoke_agent' });
  const innerLLM = span('chat gpt-4o', 0.5, 1.5, { ...s, 'gen_ai.operation.name': 'chat' }, turn1);
  const innerTool = span('execute_tool search', 1.5, 1.8, { ...s, 'gen_ai.operation.name': 'execute_tool' }, turn1);
  const llmUnderTool = span('chat small', 1.6, 1.7, { ...s, 'gen_ai.operation.name': 'chat' }, innerTool);
  const turn2 = span('chat gpt-4o', 10, 13, { ...s, 'gen_ai.operation.name': 'chat' }); // the user took 8 s
  const rerun = span('answer_revision reran', 20, 24, {
    ...s,
    'genai_otel.revision.type': 'reran',
    'genai_otel.revision.attempt': 2,
  });
  const turn3 = span('chat gpt-4o', 20.5, 24, { ...s, 'gen_ai.operation.name': 'chat' }, rerun); // user gap 7.5 s, answer 3.5 s
  const edit = span('answer_revision edited', 30, 31, { ...s, 'genai_otel.revision.type': 'edited' });
  const turn4 = span('chat gpt-4o', 30, 31, { ...s, 'gen_ai.operation.name': 'chat' }, edit); // gap 6 s, answer 1 s
  const undo = span('answer_revision undone', 40, 40, { ...s, 'genai_otel.revision.type': 'undone' });
  const http = span('GET /chat', 9.9, 13.1, { 'session.id': 'S1', 'user.id': 'bob' });
  const other = span('chat gpt-4o', 100, 101, { 'session.id': 'S2', 'gen_ai.operation.name': 'chat' });
  const unrelated = span('db query', 5, 6, {});
  const logs: TelemetryLog[] = [
    // From another process: no session.id of its own, found through the span it evaluates.
    {
      traceId: turn2.traceId,
      spanId: turn2.spanId,
      eventName: 'gen_ai.evaluation.result',
      timeUnixNano: at(50),
      attributes: { 'gen_ai.evaluation.score.label': 'liked' },
    },
    {
      traceId: turn3.traceId,
      spanId: turn3.spanId,
      eventName: 'gen_ai.evaluation.result',
      timeUnixNano: at(25),
      attributes: { 'gen_ai.evaluation.score.label': 'disliked' },
    },
    {
      eventName: 'gen_ai.evaluation.result',
      timeUnixNano: at(26),
      attributes: { 'session.id': 'S1', 'gen_ai.evaluation.score.label': 'liked' },
    },
    { eventName: 'app.other', timeUnixNano: at(27), attributes: { 'session.id': 'S1' } },
  ];
  const spans = [
    turn1,
    innerLLM,
    innerTool,
    llmUnderTool,
    turn2,
    rerun,
    turn3,
    edit,
    turn4,
    undo,
    http,
    other,
    unrelated,
  ];
  const [s1, s2] = summarizeSessions(spans.reverse(), logs);

  assert.equal(s1!.sessionId, 'S1');
  assert.deepEqual(s1!.userIds, ['alice', 'bob']);
  assert.equal(s1!.durationSeconds, 50, 'from the first span to the last feedback');
  assert.equal(
    s1!.assistantMessages,
    4,
    'agent run, chat, regenerated chat, edited chat; inner calls are not messages',
  );
  assert.equal(s1!.userMessages, 3, 'a regeneration is not a new user message');
  assert.equal(s1!.likes, 2);
  assert.equal(s1!.dislikes, 1);
  assert.deepEqual(s1!.assistantResponseSeconds, { avg: (2 + 3 + 3.5 + 1) / 4, min: 1, max: 3.5, count: 4 });
  assert.deepEqual(s1!.userResponseSeconds, { avg: (8 + 7.5 + 6) / 3, min: 6, max: 8, count: 3 });
  assert.deepEqual([s1!.edited, s1!.retried, s1!.undone, s1!.cleared], [1, 1, 1, 0]);

  assert.equal(s2!.sessionId, 'S2');
  assert.equal(s2!.assistantMessages, 1);
  assert.equal(s2!.userResponseSeconds, null);
  assert.equal(s2!.likes, 0);
});

test('timestamps as numbers or decimal strings (OTLP/JSON) give the same table', () => {
  const asBigint = span('chat m', 0, 4, { 'session.id': 'S3', 'gen_ai.operation.name': 'chat' });
  const asString = {
    ...asBigint,
    startTimeUnixNano: String(asBigint.startTimeUnixNano),
    endTimeUnixNano: String(asBigint.endTimeUnixNano),
  };
  assert.equal(summarizeSessions([asString])[0]!.assistantResponseSeconds!.max, 4);
  assert.deepEqual(summarizeSessions([]), []);
});

test('from real exported data: a chat session with an agent, a tool, a regeneration, an undo and a like', async () => {
  const ask = (text: string) =>
    withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { handle: call, text };
    });
  let firstAnswer: LLMCallHandle | undefined;
  await withContext({ sessionId: 'live-session', userId: 'carol' }, async () => {
    await withAgent({ name: 'helper' }, async () => {
      await withToolCall({ name: 'search' }, async () => 'found');
      firstAnswer = (await ask('hello')).handle;
    });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the user reads
    await withRevision({ of: { call: firstAnswer! }, type: 'reran' }, () => ask('hello again'));
    recordRevision({ of: { call: firstAnswer! }, type: 'undone' });
  });
  recordFeedback({ call: firstAnswer! }, { liked: true }); // outside the session's context, like a later request

  const spans: TelemetrySpan[] = sdk.spans().map((readable) => ({
    traceId: readable.spanContext().traceId,
    spanId: readable.spanContext().spanId,
    parentSpanId: readable.parentSpanContext?.spanId,
    name: readable.name,
    startTimeUnixNano: BigInt(hrTimeToNanoseconds(readable.startTime)),
    endTimeUnixNano: BigInt(hrTimeToNanoseconds(readable.endTime)),
    attributes: readable.attributes,
  }));
  const logs: TelemetryLog[] = sdk.logs().map((record) => ({
    traceId: record.spanContext?.traceId,
    spanId: record.spanContext?.spanId,
    eventName: record.eventName,
    timeUnixNano: BigInt(hrTimeToNanoseconds(record.hrTime)),
    attributes: record.attributes,
  }));
  const [row] = summarizeSessions(spans, logs);
  assert.equal(row!.sessionId, 'live-session');
  assert.deepEqual(row!.userIds, ['carol']);
  assert.equal(row!.assistantMessages, 2, 'the agent run and the regenerated chat');
  assert.equal(row!.userMessages, 1);
  assert.equal(row!.likes, 1);
  assert.equal(row!.retried, 1);
  assert.equal(row!.undone, 1);
  assert.ok(row!.userResponseSeconds!.min >= 0.015, `user response ${row!.userResponseSeconds!.min}`);
  assert.ok(row!.assistantResponseSeconds!.min >= 0.004);
  assert.ok(row!.durationSeconds >= row!.assistantResponseSeconds!.max + row!.userResponseSeconds!.max);
});
