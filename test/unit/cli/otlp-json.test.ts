// Reading OTLP/JSON as our file exporter, the Collector's file exporter and Jaeger's /api/v3 write it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logsOf, spansOf } from '../../../src/cli/telemetry/otlp-json.ts';

test('protojson (Jaeger, the Collector): base64 ids, enum names, int64 strings, nested values', () => {
  const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64');
  const spanId = Buffer.from('b7ad6b7169203331', 'hex').toString('base64');
  const [span] = spansOf({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId,
                parentSpanId: '',
                name: 'chat gpt-4o',
                kind: 'SPAN_KIND_CLIENT',
                startTimeUnixNano: '1767225600000000000',
                endTimeUnixNano: '1767225600250000000',
                status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                attributes: [
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '42' } },
                  { key: 'genai_otel.cost.usd', value: { doubleValue: 0.5 } },
                  {
                    key: 'gen_ai.response.finish_reasons',
                    value: { arrayValue: { values: [{ stringValue: 'stop' }] } },
                  },
                  { key: 'map', value: { kvlistValue: { values: [{ key: 'a', value: { boolValue: true } }] } } },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(
    {
      traceId: span!.traceId,
      spanId: span!.spanId,
      parent: span!.parentSpanId,
      kind: span!.kind,
      error: span!.error,
      message: span!.statusMessage,
      start: span!.startMillis,
      duration: span!.durationMillis,
      service: span!.serviceName,
    },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parent: undefined,
      kind: 'CLIENT',
      error: true,
      message: 'boom',
      start: 1767225600000,
      duration: 250,
      service: 'bot',
    },
  );
  assert.deepEqual(span!.attributes, {
    'gen_ai.usage.input_tokens': 42,
    'genai_otel.cost.usd': 0.5,
    'gen_ai.response.finish_reasons': ['stop'],
    map: { a: true },
  });
});

test("the JS serializer's shape: hex ids, numeric enums, numbers; spans without ids and junk are skipped", () => {
  const spans = spansOf({
    resourceSpans: [
      {
        resource: {},
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0AF7651916CD43DD8448EB211C80319C',
                spanId: '00f067aa0ba902b7',
                parentSpanId: 'b7ad6b7169203331',
                name: 'x',
                kind: 1,
                startTimeUnixNano: 5_000_000,
                endTimeUnixNano: 6_000_000,
                status: { code: 0 },
              },
              { traceId: 'nope', spanId: '00f067aa0ba902b7', name: 'bad id' },
              'junk',
            ],
          },
          null,
        ],
      },
      42,
    ],
  });
  assert.equal(spans.length, 1);
  assert.deepEqual(
    [
      spans[0]!.traceId,
      spans[0]!.parentSpanId,
      spans[0]!.kind,
      spans[0]!.error,
      spans[0]!.serviceName,
      spans[0]!.durationMillis,
    ],
    ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', 'INTERNAL', false, 'unknown_service', 1],
  );
  assert.deepEqual(spansOf(null), []);
  assert.deepEqual(spansOf({ resourceSpans: 'no' }), []);
});

test('log records: event name, trace context, body, observed time when time is missing', () => {
  const [log] = logsOf({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                observedTimeUnixNano: '1767225600000000000',
                eventName: 'gen_ai.evaluation.result',
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                body: { stringValue: 'liked' },
                attributes: [{ key: 'session.id', value: { stringValue: 's1' } }],
              },
            ],
          },
        ],
      },
    ],
  });
  assert.deepEqual(
    { ...log, timeUnixNano: String(log!.timeUnixNano) },
    {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      eventName: 'gen_ai.evaluation.result',
      timeUnixNano: '1767225600000000000',
      timeMillis: 1767225600000,
      attributes: { 'session.id': 's1' },
      serviceName: 'bot',
      body: 'liked',
    },
  );
});
