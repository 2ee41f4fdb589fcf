// Through real child processes under the preload and the local OTLP receiver: session ids on every span (helpers,
// the http auto-instrumentation, a downstream service reached with baggage), correlated logs from pino, winston,
// getLogger and typed events, feedback from the same and from another process, and request/response records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedLog,
  type ReceivedSpan,
} from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture, type FixtureResult } from '../support/run-fixture.ts';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

interface Ref {
  traceId: string;
  spanId: string;
  model?: string;
}

function refOf(result: FixtureResult): Ref {
  const line = result.stdout.split('\n').find((entry) => entry.startsWith('REF '));
  assert.ok(line, `the app printed its reference; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return JSON.parse(line.slice(4)) as Ref;
}

for (const nodeArgs of [
  ['--require', 'genai-otel/register'],
  ['--import', 'genai-otel/register'],
]) {
  describe(`a chat backend under ${nodeArgs[0]}`, () => {
    const service = `sessions-app${nodeArgs[0]!.replace(/-/g, '_')}`;
    let result: FixtureResult;
    let ref: Ref;
    let spans: ReceivedSpan[];
    let logs: ReceivedLog[];

    before(async () => {
      result = await runFixture(fixture('sessions-app.cjs'), {
        nodeArgs,
        env: otelEnv(receiver.url, {
          OTEL_SERVICE_NAME: service,
          GENAI_OTEL_PROPAGATE_BAGGAGE: 'true',
          GENAI_OTEL_LLM_LOGS: 'true',
          OTEL_BLRP_SCHEDULE_DELAY: '100',
        }),
      });
      ref = refOf(result);
      const mine = <T extends { resource: Record<string, unknown> }>(items: T[]) =>
        items.filter((item) => item.resource['service.name'] === service);
      spans = mine(
        await receiver.waitFor(
          'spans',
          (all) =>
            mine(all).some((span) => span.name === 'log-lines') &&
            mine(all).some((span) => span.name === 'handle-downstream'),
          10000,
        ),
      );
      logs = mine(
        await receiver.waitFor(
          'logs',
          (all) =>
            mine(all).filter((log) => log.eventName === 'gen_ai.evaluation.result').length >= 1 &&
            mine(all).some((log) => log.body === 'winston says hi'),
          10000,
        ),
      );
    });

    test('the app runs normally: exit code 0, no diagnostics', () => {
      assert.equal(result.code, 0);
      assert.equal(result.stderr, '');
    });

    test('session.id and user.id are on the helper span, the http client span and the downstream server span', () => {
      const llm = spans.find((span) => span.name === 'chat gpt-4o-mini')!;
      const client = spans.find((span) => span.kind === 3 && span.scope.name.includes('instrumentation-http'));
      const server = spans.find((span) => span.kind === 2 && span.scope.name.includes('instrumentation-http'));
      assert.ok(
        client && server,
        `http spans: ${spans.map((span) => `${span.name}/${span.kind}/${span.scope.name}`).join(', ')}`,
      );
      for (const span of [llm, client, server]) {
        assert.equal(span.attributes['session.id'], 'sess-preload', span.name);
      }
      assert.equal(llm.attributes['user.id'], 'user-preload');
      assert.equal(client.attributes['user.id'], 'user-preload');
      // The downstream handler set its own user through setContext, over the one received as baggage.
      assert.equal(server.attributes['user.id'], 'user-from-auth');
      assert.equal(spans.find((span) => span.name === 'handle-downstream')!.attributes['user.id'], 'user-from-auth');
      assert.equal(
        spans.find((span) => span.name === 'handle-downstream')!.attributes['session.id'],
        'sess-preload',
        'received as baggage',
      );
    });

    test('pino, winston, getLogger and typed event records arrive over OTLP with the trace and span ids of the active span', () => {
      const logLines = spans.find((span) => span.name === 'log-lines')!;
      for (const body of ['pino says hi', 'winston says hi', 'getLogger says hi']) {
        const record = logs.find((log) => log.body === body);
        assert.ok(record, `${body} arrived; got ${logs.map((log) => String(log.body ?? log.eventName)).join(', ')}`);
        assert.equal(record.traceId, logLines.traceId, body);
        assert.equal(record.spanId, logLines.spanId, body);
        assert.equal(record.attributes['session.id'], 'sess-preload', body);
      }
      const event = logs.find((log) => log.eventName === 'chat.answered')!;
      assert.equal(event.spanId, logLines.spanId);
      assert.equal(event.attributes.chars, 6);
      // pino's own stdout line is correlated too.
      const pinoLine = result.stdout.split('\n').find((line) => line.includes('pino says hi'))!;
      assert.equal(JSON.parse(pinoLine).trace_id, logLines.traceId);
    });

    test('feedback is a gen_ai.evaluation.result record on the LLM span; the request/response record is there too', () => {
      const llm = spans.find((span) => span.name === 'chat gpt-4o-mini')!;
      assert.deepEqual({ traceId: ref.traceId, spanId: ref.spanId }, { traceId: llm.traceId, spanId: llm.spanId });
      const feedback = logs.find((log) => log.eventName === 'gen_ai.evaluation.result')!;
      assert.equal(feedback.spanId, llm.spanId);
      assert.equal(feedback.attributes['gen_ai.evaluation.score.label'], 'liked');
      const exchange = logs.find((log) => log.eventName === 'genai_otel.llm.request_response')!;
      assert.equal(exchange.spanId, llm.spanId);
      const body = exchange.body as {
        request: { messages: unknown[] };
        response: { id: string };
        client_id: string;
        workload_id: string;
      };
      assert.deepEqual(body.request.messages, [{ role: 'user', content: 'hi' }]);
      assert.equal(body.response.id, 'chatcmpl-preload');
      assert.equal(body.client_id, service);
      assert.equal(body.workload_id, 'chat');
    });

    test('feedback recorded later by another process, from the ids alone, lands on the same span', async () => {
      const later = await runFixture(fixture('feedback-later.cjs'), {
        nodeArgs,
        env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: `${service}-feedback`, FIXTURE_REF: JSON.stringify(ref) }),
      });
      assert.equal(later.stdout.trim(), 'recorded true');
      const records = await receiver.waitFor(
        'logs',
        (all) => all.some((log) => log.resource['service.name'] === `${service}-feedback`),
        10000,
      );
      const record = records.find((log) => log.resource['service.name'] === `${service}-feedback`)!;
      assert.equal(record.eventName, 'gen_ai.evaluation.result');
      assert.equal(record.traceId, ref.traceId);
      assert.equal(record.spanId, ref.spanId);
      assert.equal(record.attributes['gen_ai.evaluation.score.label'], 'disliked');
      assert.equal(record.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    });
  });
}

test('attached to a tracer provider registered by another SDK, spans still carry session.id', async () => {
  const result = await runFixture(fixture('sessions-app.cjs'), {
    nodeArgs: ['--require', fixture('other-sdk-first.cjs'), '--require', 'genai-otel/register'],
    env: otelEnv(receiver.url, { FIXTURE_SESSION: 'sess-attached' }),
  });
  assert.equal(result.code, 0);
  assert.match(result.stdout, /their exporter saw: .*chat gpt-4o-mini/);
  const spans = await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.name === 'log-lines' && span.attributes['session.id'] === 'sess-attached'),
    10000,
  );
  assert.ok(
    spans.some((span) => span.name === 'chat gpt-4o-mini' && span.attributes['session.id'] === 'sess-attached'),
  );
});

test('an ES module app importing pino under --import: its records are correlated and sent', async () => {
  const result = await runFixture(fixture('pino-esm.mjs'), {
    nodeArgs: ['--import', 'genai-otel/register'],
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: 'pino-esm', OTEL_BLRP_SCHEDULE_DELAY: '100' }),
  });
  assert.equal(result.code, 0);
  assert.equal(result.stderr, '');
  const logs = await receiver.waitFor(
    'logs',
    (all) => all.some((log) => log.resource['service.name'] === 'pino-esm' && log.body === 'pino from ESM'),
    10000,
  );
  const spans = await receiver.waitFor(
    'spans',
    (all) => all.some((span) => span.resource['service.name'] === 'pino-esm'),
    10000,
  );
  const record = logs.find((log) => log.resource['service.name'] === 'pino-esm')!;
  const span = spans.find((entry) => entry.resource['service.name'] === 'pino-esm' && entry.name === 'esm-log-line')!;
  assert.equal(record.spanId, span.spanId);
  assert.equal(record.attributes['session.id'], 'sess-esm');
  assert.equal(JSON.parse(result.stdout.trim()).span_id, span.spanId);
});
