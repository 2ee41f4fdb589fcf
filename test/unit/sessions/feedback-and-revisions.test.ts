// Feedback becomes a gen_ai.evaluation.result record on the evaluated span (from the call handle or from ids alone),
// and revisions are spans linked to the first attempt, numbered, so an answer's history can be rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel, type Span } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextLogRecordProcessor, ContextSpanProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { recordFeedback } from '../../../src/feedback/record-feedback.ts';
import { answerRef } from '../../../src/genai/span-ref.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import type { LLMCallHandle } from '../../../src/genai/llm-types.ts';
import { recordRevision, withRevision } from '../../../src/sessions/revisions.ts';

const sdk = installMemorySdk({
  spanProcessors: [new ContextSpanProcessor()],
  logRecordProcessors: [new ContextLogRecordProcessor()],
});
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

function completion(id: string, model: string, text: string) {
  return {
    id,
    object: 'chat.completion',
    model,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }],
    usage: { prompt_tokens: 10, completion_tokens: 5 },
  };
}

async function answer(model: string, id: string): Promise<LLMCallHandle> {
  let handle: LLMCallHandle | undefined;
  await withLLMCall({ provider: 'openai', model }, async (call) => {
    handle = call;
    return completion(id, `${model}-2024`, 'an answer');
  });
  return handle!;
}

function evaluations() {
  return sdk.logs().filter((log) => log.eventName === 'gen_ai.evaluation.result');
}

test('feedback through the call handle: an evaluation record on the LLM span, with the response id, the model and the session', async () => {
  const call = await withContext({ sessionId: 'sess-fb', userId: 'user-fb' }, async () => {
    const handle = await answer('gpt-4o-mini', 'chatcmpl-fb-1');
    assert.equal(recordFeedback({ call: handle }, { liked: true, comment: 'spot on' }), true);
    return handle;
  });
  const record = evaluations().at(-1)!;
  const span = call.span.spanContext();
  assert.equal(record.spanContext?.traceId, span.traceId);
  assert.equal(record.spanContext?.spanId, span.spanId);
  assert.equal(record.attributes['gen_ai.evaluation.name'], 'user_feedback');
  assert.equal(record.attributes['gen_ai.evaluation.score.value'], 1);
  assert.equal(record.attributes['gen_ai.evaluation.score.label'], 'liked');
  assert.equal(record.attributes['gen_ai.evaluation.explanation'], 'spot on');
  assert.equal(record.attributes['gen_ai.response.id'], 'chatcmpl-fb-1');
  assert.equal(record.attributes['gen_ai.request.model'], 'gpt-4o-mini-2024');
  assert.equal(record.attributes['session.id'], 'sess-fb');
  assert.equal(record.attributes['user.id'], 'user-fb');
});

test('feedback from ids alone (another process, later): the record points at that span; the given user wins', async () => {
  const ref = answerRef(await answer('claude-sonnet-4', 'msg-ids'))!;
  const wire = JSON.parse(JSON.stringify(ref)) as typeof ref; // what a browser sends back
  assert.equal(
    recordFeedback(
      { traceId: wire.traceId.toUpperCase(), spanId: wire.spanId, model: wire.model },
      { disliked: true, userId: 'reviewer-3' },
    ),
    true,
  );
  const record = evaluations().at(-1)!;
  assert.equal(record.spanContext?.traceId, ref.traceId);
  assert.equal(record.spanContext?.spanId, ref.spanId);
  assert.equal(record.attributes['gen_ai.evaluation.score.label'], 'disliked');
  assert.equal(record.attributes['gen_ai.evaluation.score.value'], 0);
  assert.equal(record.attributes['user.id'], 'reviewer-3');
});

test('likes, dislikes and scores are counted by model, with the model set bounded', async () => {
  const ref = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
  recordFeedback({ ...ref, model: 'model-x' }, { liked: true });
  recordFeedback({ ...ref, model: 'model-x' }, { liked: true });
  recordFeedback({ ...ref, model: 'model-x' }, { disliked: true });
  recordFeedback({ ...ref, model: 'model-x' }, { score: 4, name: 'stars' });
  const metrics = await sdk.collect();
  const likesOfX = sdk
    .points(metrics.get('genai_otel.feedback.likes'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'model-x');
  const dislikesOfX = sdk
    .points(metrics.get('genai_otel.feedback.dislikes'))
    .find((point) => point.attributes['gen_ai.request.model'] === 'model-x');
  assert.equal(likesOfX?.value, 2);
  assert.equal(dislikesOfX?.value, 1);
  const stars = sdk
    .points(metrics.get('genai_otel.feedback.score'))
    .find((point) => point.attributes['gen_ai.evaluation.name'] === 'stars');
  assert.deepEqual(
    { count: (stars?.value as { count: number }).count, sum: (stars?.value as { sum: number }).sum },
    { count: 1, sum: 4 },
  );

  for (let index = 0; index < 120; index++) recordFeedback({ ...ref, model: `fine-tune-${index}` }, { liked: true });
  const models = new Set(
    sdk
      .points((await sdk.collect()).get('genai_otel.feedback.likes'))
      .map((point) => point.attributes['gen_ai.request.model']),
  );
  assert.ok(models.size <= 101, `at most 100 models and _OTHER, got ${models.size}`);
  assert.ok(models.has('_OTHER'));
});

test('unusable feedback records nothing, returns false and says why once', () => {
  const before = evaluations().length;
  assert.equal(recordFeedback({ traceId: 'not-hex', spanId: '1' }, { liked: true }), false);
  assert.equal(recordFeedback({ traceId: '0'.repeat(32), spanId: '0'.repeat(16) }, { liked: true }), false);
  assert.equal(recordFeedback(undefined as never, { liked: true }), false);
  assert.equal(recordFeedback({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) }, {}), false);
  assert.equal(recordFeedback({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) }, null as never), false);
  assert.equal(evaluations().length, before);
  assert.equal(warnings.filter((warning) => warning.includes('recordFeedback: the target must be')).length, 1);
  assert.ok(warnings.some((warning) => warning.includes('has none of liked, disliked, score or comment')));
});

test('regenerations are spans linked to the first attempt, numbered 2, 3..., parents of the new calls', async () => {
  const first = await withContext({ sessionId: 'sess-rev' }, () => answer('gpt-4o', 'first-attempt'));
  const firstSpan = first.span.spanContext();
  let second: LLMCallHandle | undefined;
  await withRevision({ of: { call: first }, type: 'reran' }, async () => {
    second = await answer('gpt-4o', 'second-attempt');
  });
  await withRevision({ of: answerRef(first)!, type: 'edited' }, () => answer('gpt-4o', 'third-attempt'));
  const undone = recordRevision({ of: { call: first }, type: 'undone' });

  const revisions = sdk
    .spans()
    .filter((span) => span.attributes['genai_otel.revision.first_span_id'] === firstSpan.spanId);
  assert.deepEqual(
    revisions.map((span) => [
      span.name,
      span.attributes['genai_otel.revision.type'],
      span.attributes['genai_otel.revision.attempt'],
    ]),
    [
      ['answer_revision reran', 'reran', 2],
      ['answer_revision edited', 'edited', 3],
      ['answer_revision undone', 'undone', 3],
    ],
  );
  for (const revision of revisions) {
    assert.equal(revision.links.length, 1);
    assert.equal(revision.links[0]!.context.spanId, firstSpan.spanId);
    assert.equal(revision.links[0]!.context.traceId, firstSpan.traceId);
    assert.equal(revision.attributes['genai_otel.revision.first_trace_id'], firstSpan.traceId);
  }
  const rerun = revisions[0]!;
  const secondSpan = sdk.spans().find((span) => span.spanContext().spanId === second!.span.spanContext().spanId)!;
  assert.equal(
    secondSpan.parentSpanContext?.spanId,
    rerun.spanContext().spanId,
    'the regenerated call runs inside its revision',
  );
  assert.equal(undone?.spanId, revisions[2]!.spanContext().spanId);
  const counted = sdk.points((await sdk.collect()).get('genai_otel.answer.revisions'));
  assert.deepEqual(
    Object.fromEntries(counted.map((point) => [point.attributes['genai_otel.revision.type'], point.value])),
    { reran: 1, edited: 1, undone: 1 },
  );
});

test('an attempt number given by the application is kept; feedback on a regenerated answer points at it', async () => {
  const first = answerRef(await answer('gpt-4o', 'kept-first'))!;
  const regenerated = await withRevision({ of: first, type: 'reran', attempt: 7 }, (span: Span) => {
    assert.equal(typeof span.spanContext().spanId, 'string');
    return answer('gpt-4o', 'kept-seventh');
  });
  const revision = sdk.spans().find((span) => span.attributes['genai_otel.revision.first_span_id'] === first.spanId)!;
  assert.equal(revision.attributes['genai_otel.revision.attempt'], 7);
  recordFeedback({ call: regenerated }, { liked: true });
  assert.equal(evaluations().at(-1)!.spanContext?.spanId, regenerated.span.spanContext().spanId);
});

test('a revision of nothing or of an unknown type is reported and not recorded; the function still runs', async () => {
  const spansBefore = sdk.spans().length;
  assert.equal(recordRevision({ of: { traceId: 'x', spanId: 'y' }, type: 'undone' }), undefined);
  assert.equal(
    recordRevision({ of: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16) }, type: 'deleted' as never }),
    undefined,
  );
  assert.equal(sdk.spans().length, spansBefore);
  assert.equal(await withRevision({ of: undefined as never, type: 'reran' }, async () => 'value'), 'value');
  assert.ok(warnings.some((warning) => warning.includes('type must be one of edited, reran, undone, cleared')));
});
