// genai-otel's own OTLP/protobuf span encoder must produce exactly the bytes of the official serializer
// (@opentelemetry/otlp-transformer's ProtobufTraceSerializer), whatever the spans hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createTraceState,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type SpanContext,
} from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { encodeTraceExportRequest } from '../../../src/export/trace-encoder.ts';

const official = (spans: ReadableSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const ours = (spans: ReadableSpan[]): Buffer => Buffer.from(encodeTraceExportRequest(spans));

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((array) => Buffer.from(array).toString('hex'));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', 'chat', 'gen_ai.request.model', 'é', '😀', '\ud800', 'x'.repeat(200)),
);
const primitive = fc.oneof(
  text,
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    2 ** 31,
    2 ** 32,
    2 ** 32 - 1,
    2 ** 53,
    -(2 ** 53),
    -1,
    Number.MAX_SAFE_INTEGER,
    2 ** 63,
    -(2 ** 63),
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
  fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(Number),
);
// What the SDK may hand an exporter: attribute values, and what other SDKs or bridges put there (bytes, maps, null).
const attributeValue = fc.oneof(
  { weight: 6, arbitrary: primitive },
  { weight: 2, arbitrary: fc.array(fc.oneof(primitive, fc.constant(null), fc.constant(undefined)), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), primitive, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
);
const attributes = fc.dictionary(text, attributeValue, { maxKeys: 8 }) as fc.Arbitrary<Attributes>;
const hrTime = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 999_999_999 }));
const spanContext = fc.record({
  traceId: hex(16),
  spanId: hex(8),
  traceFlags: fc.constantFrom(TraceFlags.NONE, TraceFlags.SAMPLED, 0xff),
  isRemote: fc.option(fc.boolean(), { nil: undefined }),
  traceState: fc
    .option(fc.constantFrom('vendor=value', 'a=1,b=2'), { nil: undefined })
    .map((state) => (state === undefined ? undefined : createTraceState(state))),
}) as fc.Arbitrary<SpanContext>;

// A few resources and scopes, shared by identity between spans as a provider's and a tracer's are.
const resources = [
  resourceFromAttributes({ 'service.name': 'a', 'process.pid': 42, 'process.command_args': ['node', 'app.js'] }),
  resourceFromAttributes({ 'service.name': 'b', 'host.name': 'hôte' }),
  resourceFromAttributes({}),
];
const scopes = [
  { name: 'genai-otel', version: '1.0.0' },
  { name: 'other', schemaUrl: 'https://opentelemetry.io/schemas/1.37.0' },
  { name: '', version: '' },
];

const span = fc
  .record({
    name: text,
    context: spanContext,
    parent: fc.option(spanContext, { nil: undefined }),
    kind: fc.option(
      fc.constantFrom(SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER),
      { nil: undefined },
    ),
    startTime: hrTime,
    endTime: hrTime,
    attributes,
    events: fc.array(
      fc.record({
        name: text,
        time: hrTime,
        attributes: fc.option(attributes, { nil: undefined }),
        droppedAttributesCount: fc.option(fc.nat(5), { nil: undefined }),
      }),
      { maxLength: 3 },
    ),
    links: fc.array(
      fc.record({
        context: spanContext,
        attributes: fc.option(attributes, { nil: undefined }),
        droppedAttributesCount: fc.option(fc.nat(5), { nil: undefined }),
      }),
      { maxLength: 2 },
    ),
    status: fc.record({
      code: fc.constantFrom(SpanStatusCode.UNSET, SpanStatusCode.OK, SpanStatusCode.ERROR),
      message: fc.option(text, { nil: undefined }),
    }),
    dropped: fc.tuple(fc.nat(300), fc.nat(3), fc.nat(3)),
    resource: fc.nat(resources.length - 1),
    scope: fc.nat(scopes.length - 1),
  })
  .map(
    (generated) =>
      ({
        name: generated.name,
        kind: generated.kind,
        spanContext: () => generated.context,
        parentSpanContext: generated.parent,
        startTime: generated.startTime,
        endTime: generated.endTime,
        status: generated.status,
        attributes: generated.attributes,
        links: generated.links,
        events: generated.events,
        duration: [0, 0],
        ended: true,
        resource: resources[generated.resource],
        instrumentationScope: scopes[generated.scope],
        droppedAttributesCount: generated.dropped[0],
        droppedEventsCount: generated.dropped[1],
        droppedLinksCount: generated.dropped[2],
      }) as unknown as ReadableSpan,
  );

test('generated spans encode to the same bytes as the official serializer', () => {
  fc.assert(
    fc.property(fc.array(span, { minLength: 0, maxLength: 6 }), (spans) => {
      assert.deepEqual(ours(spans), official(spans));
    }),
    { numRuns: 1500 },
  );
});

test('spans made by the SDK, in a 2,048-span batch, encode to the same bytes as the official serializer', async () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'encoder-test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('bench-app', '1.2.3');
  for (let index = 0; index < 2048; index++) {
    const made = tracer.startSpan(`chat gpt-4o-mini ${index % 3}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': index,
        'gen_ai.response.id': `chatcmpl-${index}`,
      },
    });
    if (index % 5 === 0) made.addEvent('gen_ai.choice', { index });
    if (index % 7 === 0) made.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    made.end();
  }
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  assert.equal(spans.length, 2048);
  const encoded = ours(spans);
  assert.ok(encoded.length > 2048 * 100, `${encoded.length} bytes`);
  assert.deepEqual(encoded, official(spans));
});

test('the caches of encoded keys and values stay bounded and never change the output', () => {
  // More distinct keys and short values than either cache holds, twice over, then the first ones again.
  const made = (index: number) => fc.sample(span, { seed: index, numRuns: 1 })[0]!;
  for (let round = 0; round < 3; round++) {
    const spans = Array.from({ length: 40 }, (_, index) => {
      const base = made(index);
      const many: Attributes = {};
      for (let key = 0; key < 400; key++) many[`key.${round}.${index}.${key}`] = `value-${round}-${index}-${key}`;
      return { ...base, spanContext: base.spanContext, attributes: many };
    });
    assert.deepEqual(ours(spans), official(spans));
  }
});

test('each request gets its own bytes: encoding the next batch leaves the previous one as it was', () => {
  const [first, second] = fc.sample(fc.array(span, { minLength: 1, maxLength: 3 }), { seed: 7, numRuns: 2 }) as [
    ReadableSpan[],
    ReadableSpan[],
  ];
  const firstBytes = encodeTraceExportRequest(first);
  const copy = Buffer.from(firstBytes);
  encodeTraceExportRequest(second);
  assert.deepEqual(Buffer.from(firstBytes), copy);
});

test('a span that throws while being read fails that request only; the next one encodes correctly', () => {
  const [good] = fc.sample(fc.array(span, { minLength: 2, maxLength: 2 }), { seed: 3, numRuns: 1 }) as [ReadableSpan[]];
  const hostile = {
    ...good[0]!,
    spanContext: good[0]!.spanContext,
    get attributes(): Attributes {
      throw new Error('hostile getter');
    },
  } as ReadableSpan;
  assert.throws(() => encodeTraceExportRequest([good[1]!, hostile]), /hostile getter/);
  assert.deepEqual(ours(good), official(good));
});
