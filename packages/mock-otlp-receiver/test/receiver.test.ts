// Proves the mock OTLP receiver against the real OpenTelemetry JS exporters:
// every signal is sent through the protobuf and the JSON exporter (with and
// without gzip), and both must decode to the same normalized shape.
//
// Run: npm test -w @genai-otel/mock-otlp-receiver

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import zlib from 'node:zlib';

import {
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  ValueType,
  trace,
} from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { IdGenerator, SpanExporter } from '@opentelemetry/sdk-trace';

import { decodeOtlp, startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import type { OtlpReceiver, ReceivedLog, ReceivedMetric, ReceivedSpan } from '@genai-otel/mock-otlp-receiver';

type Encoding = 'protobuf' | 'json';
type Compression = 'none' | 'gzip';
const ENCODINGS: Encoding[] = ['protobuf', 'json'];

const RESOURCE = resourceFromAttributes({
  'service.name': 'otlp-receiver-test',
  'service.version': '0.0.1',
  'test.resource.int': 3,
});

const EXPECTED_RESOURCE = {
  'service.name': 'otlp-receiver-test',
  'service.version': '0.0.1',
  'test.resource.int': 3,
};

const T0: HrTime = [1_700_000_000, 123_456_789];
const T1: HrTime = [1_700_000_000, 500_000_000];
const T2: HrTime = [1_700_000_001, 1];
const T3: HrTime = [1_700_000_002, 999_999_999];
const ns = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const CHILD_ID = '00f067aa0ba902b8';
const FOREIGN_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const FOREIGN_SPAN_ID = 'b7ad6b7169203331';

/** Deterministic ids so the protobuf and JSON runs produce identical spans. */
function fixedIds(): IdGenerator {
  const spanIds = [PARENT_ID, CHILD_ID];
  let next = 0;
  return {
    generateTraceId: () => TRACE_ID,
    generateSpanId: () => spanIds[next++ % spanIds.length]!,
  };
}

/** One attribute of every type the SDK can send. */
const EVERY_TYPE = {
  'attr.string': 'hello',
  'attr.empty_string': '',
  'attr.int': 42,
  'attr.negative_int': -7,
  'attr.zero': 0,
  'attr.large_int': 2 ** 40 + 3,
  'attr.double': 3.25,
  'attr.negative_double': -0.5,
  'attr.true': true,
  'attr.false': false,
  'attr.string_array': ['a', '', 'c'],
  'attr.int_array': [1, 2, 3],
  'attr.double_array': [1.5, 2.5],
  'attr.bool_array': [true, false],
  'attr.empty_array': [],
  'attr.map': { nested: 'x', n: 1, deeper: { list: [1, 'two'] } },
  'attr.bytes': new Uint8Array([0, 1, 255]),
} as const;

const EXPECTED_EVERY_TYPE = {
  'attr.string': 'hello',
  'attr.empty_string': '',
  'attr.int': 42,
  'attr.negative_int': -7,
  'attr.zero': 0,
  'attr.large_int': 2 ** 40 + 3,
  'attr.double': 3.25,
  'attr.negative_double': -0.5,
  'attr.true': true,
  'attr.false': false,
  'attr.string_array': ['a', '', 'c'],
  'attr.int_array': [1, 2, 3],
  'attr.double_array': [1.5, 2.5],
  'attr.bool_array': [true, false],
  'attr.empty_array': [],
  'attr.map': { nested: 'x', n: 1, deeper: { list: [1, 'two'] } },
  'attr.bytes': new Uint8Array([0, 1, 255]),
};

function exporterConfig(url: string, compression: Compression) {
  return { url, compression: compression as CompressionAlgorithm, timeoutMillis: 5_000 };
}

function traceExporter(receiver: OtlpReceiver, encoding: Encoding, compression: Compression = 'none'): SpanExporter {
  const config = exporterConfig(receiver.endpoints.traces, compression);
  return encoding === 'protobuf' ? new ProtoTraceExporter(config) : new JsonTraceExporter(config);
}

function metricExporter(
  receiver: OtlpReceiver,
  encoding: Encoding,
  compression: Compression = 'none',
): PushMetricExporter {
  const config = exporterConfig(receiver.endpoints.metrics, compression);
  return encoding === 'protobuf' ? new ProtoMetricExporter(config) : new JsonMetricExporter(config);
}

function logExporter(receiver: OtlpReceiver, encoding: Encoding, compression: Compression = 'none'): LogRecordExporter {
  const config = exporterConfig(receiver.endpoints.logs, compression);
  return encoding === 'protobuf' ? new ProtoLogExporter(config) : new JsonLogExporter(config);
}

async function emitTraces(exporter: SpanExporter): Promise<void> {
  const provider = new TracerProvider({
    resource: RESOURCE,
    idGenerator: fixedIds(),
    // batch: both spans travel in one request
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 60_000 })],
  });
  const tracer = provider.getTracer('receiver-test-tracer', '1.2.3');
  const parent = tracer.startSpan('invoke_agent weather', {
    kind: SpanKind.SERVER,
    startTime: T0,
    attributes: EVERY_TYPE,
  });
  parent.addEvent('gen_ai.user.message', { 'gen_ai.system': 'openai', index: 0, score: 0.75 }, T1);
  parent.addEvent('bare event', T1);
  const child = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      startTime: T1,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 12 },
      links: [
        {
          context: { traceId: FOREIGN_TRACE_ID, spanId: FOREIGN_SPAN_ID, traceFlags: TraceFlags.SAMPLED },
          attributes: { 'link.reason': 'batch' },
        },
      ],
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  child.end(T2);
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end(T3);
  await provider.forceFlush();
  await provider.shutdown();
}

async function emitMetrics(exporter: PushMetricExporter): Promise<void> {
  const provider = new MeterProvider({
    resource: RESOURCE,
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
    views: [{ instrumentName: 'test.exp_histogram', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('receiver-test-meter', '4.5.6');

  const counter = meter.createCounter('test.int_counter', {
    unit: '{token}',
    description: 'tokens used',
    valueType: ValueType.INT,
  });
  counter.add(5, { 'gen_ai.token.type': 'input' });
  counter.add(7, { 'gen_ai.token.type': 'output' });
  counter.add(1, { 'gen_ai.token.type': 'input' });

  meter.createCounter('test.double_counter').add(1.5);

  const upDown = meter.createUpDownCounter('test.updown', { valueType: ValueType.INT });
  upDown.add(3);
  upDown.add(-1);

  const histogram = meter.createHistogram('test.histogram', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.1, 1, 10] },
  });
  for (const v of [0.05, 0.5, 5, 50]) histogram.record(v, { 'gen_ai.operation.name': 'chat' });

  meter.createGauge('test.gauge').record(17.5, { pool: 'a' });
  meter.createObservableGauge('test.observable_gauge').addCallback((r) => r.observe(99, { source: 'callback' }));

  const expHistogram = meter.createHistogram('test.exp_histogram');
  for (const v of [1, 2, 4, 8]) expHistogram.record(v);

  await provider.shutdown(); // collects and exports once, then shuts the exporter down
}

async function emitLogs(exporter: LogRecordExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: RESOURCE,
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 })],
  });
  const logger = provider.getLogger('receiver-test-logger', '7.8.9');
  logger.emit({
    severityNumber: SeverityNumber.INFO,
    severityText: 'INFO',
    body: 'plain text body',
    attributes: EVERY_TYPE,
    timestamp: T0,
    observedTimestamp: T1,
  });
  logger.emit({
    eventName: 'gen_ai.client.inference.operation.details',
    severityNumber: SeverityNumber.WARN,
    body: { messages: [{ role: 'user', content: 'hi' }], count: 2, ok: true },
    attributes: { 'gen_ai.operation.name': 'chat' },
    timestamp: T2,
    observedTimestamp: T3,
    context: trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE_ID,
      spanId: CHILD_ID,
      traceFlags: TraceFlags.SAMPLED,
    }),
  });
  logger.emit({ severityNumber: SeverityNumber.ERROR, timestamp: T3, observedTimestamp: T3 });
  await provider.forceFlush();
  await provider.shutdown();
}

const EXPECTED_METRIC_NAMES = [
  'test.double_counter',
  'test.exp_histogram',
  'test.gauge',
  'test.histogram',
  'test.int_counter',
  'test.observable_gauge',
  'test.updown',
];

async function collectSpans(receiver: OtlpReceiver, encoding: Encoding, compression: Compression = 'none') {
  receiver.reset();
  await emitTraces(traceExporter(receiver, encoding, compression));
  return receiver.waitFor('spans', (s) => s.length >= 2);
}

async function collectMetrics(receiver: OtlpReceiver, encoding: Encoding, compression: Compression = 'none') {
  receiver.reset();
  await emitMetrics(metricExporter(receiver, encoding, compression));
  return receiver.waitFor('metrics', (m) => m.length >= EXPECTED_METRIC_NAMES.length);
}

async function collectLogs(receiver: OtlpReceiver, encoding: Encoding, compression: Compression = 'none') {
  receiver.reset();
  await emitLogs(logExporter(receiver, encoding, compression));
  return receiver.waitFor('logs', (l) => l.length >= 3);
}

function byName<T extends { name: string }>(items: T[], name: string): T {
  const found = items.find((i) => i.name === name);
  assert.ok(found, `no item named ${name} in ${items.map((i) => i.name).join(', ')}`);
  return found;
}

/** Metric timestamps come from the clock; blank them to compare two runs. */
function withoutTimestamps(metrics: ReceivedMetric[]): ReceivedMetric[] {
  return metrics
    .map((m) => ({
      ...m,
      dataPoints: m.dataPoints.map((dp) => ({ ...dp, startTimeUnixNano: 0n, timeUnixNano: 0n })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The one request with the given path, asserting it was accepted. */
function onlyRequest(receiver: OtlpReceiver, path: string) {
  const reqs = receiver.requests().filter((r) => r.path === path);
  assert.equal(reqs.length, 1, `expected one request to ${path}, got ${reqs.length}`);
  const req = reqs[0]!;
  assert.equal(req.outcome, 'accepted', req.error);
  assert.equal(req.status, 200);
  return req;
}

describe('otlp-receiver', () => {
  let receiver: OtlpReceiver;

  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.reset();
  });

  it('listens on 127.0.0.1 on a random port', () => {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(receiver.port > 0);
    assert.equal(receiver.endpoints.traces, `${receiver.url}/v1/traces`);
    assert.equal(receiver.endpoints.metrics, `${receiver.url}/v1/metrics`);
    assert.equal(receiver.endpoints.logs, `${receiver.url}/v1/logs`);
  });

  describe('traces', () => {
    for (const encoding of ENCODINGS) {
      it(`decodes spans from the real ${encoding} exporter`, async () => {
        const spans = await collectSpans(receiver, encoding);
        assert.equal(spans.length, 2);
        const req = onlyRequest(receiver, '/v1/traces');
        assert.equal(req.contentType, encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
        assert.equal(req.encoding, 'identity');
        assert.equal(req.itemCount, 2);

        const parent = byName(spans, 'invoke_agent weather');
        const child = byName(spans, 'chat gpt-4o');

        assert.deepEqual(parent.resource, EXPECTED_RESOURCE);
        assert.equal(child.resource, parent.resource);
        assert.deepEqual(
          { name: parent.scope.name, version: parent.scope.version },
          { name: 'receiver-test-tracer', version: '1.2.3' },
        );

        assert.equal(parent.traceId, TRACE_ID);
        assert.equal(parent.spanId, PARENT_ID);
        assert.equal(parent.parentSpanId, undefined);
        assert.equal(child.traceId, TRACE_ID);
        assert.equal(child.spanId, CHILD_ID);
        assert.equal(child.parentSpanId, PARENT_ID);

        assert.equal(parent.kind, 2); // SERVER
        assert.equal(child.kind, 3); // CLIENT

        assert.equal(parent.startTimeUnixNano, 1_700_000_000_123_456_789n);
        assert.equal(parent.endTimeUnixNano, ns(T3));
        assert.equal(child.startTimeUnixNano, ns(T1));
        assert.equal(child.endTimeUnixNano, 1_700_000_001_000_000_001n);

        assert.deepEqual(parent.attributes, EXPECTED_EVERY_TYPE);
        assert.deepEqual(child.attributes, { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 12 });

        assert.deepEqual(parent.events, [
          {
            name: 'gen_ai.user.message',
            attributes: { 'gen_ai.system': 'openai', index: 0, score: 0.75 },
            timeUnixNano: ns(T1),
            droppedAttributesCount: 0,
          },
          { name: 'bare event', attributes: {}, timeUnixNano: ns(T1), droppedAttributesCount: 0 },
        ]);
        assert.deepEqual(child.events, []);

        assert.equal(child.links.length, 1);
        assert.equal(child.links[0]!.traceId, FOREIGN_TRACE_ID);
        assert.equal(child.links[0]!.spanId, FOREIGN_SPAN_ID);
        assert.deepEqual(child.links[0]!.attributes, { 'link.reason': 'batch' });

        assert.deepEqual(parent.status, { code: 1, message: '' }); // OK
        assert.deepEqual(child.status, { code: 2, message: 'rate limited' }); // ERROR
      });
    }

    it('protobuf and JSON decode to identical spans', async () => {
      const proto = await collectSpans(receiver, 'protobuf');
      const json = await collectSpans(receiver, 'json');
      assert.deepStrictEqual(json, proto);
    });
  });

  describe('metrics', () => {
    for (const encoding of ENCODINGS) {
      it(`decodes sums, gauges, histograms and exponential histograms from the real ${encoding} exporter`, async () => {
        const metrics = await collectMetrics(receiver, encoding);
        assert.deepEqual(metrics.map((m) => m.name).sort(), EXPECTED_METRIC_NAMES);
        const req = onlyRequest(receiver, '/v1/metrics');
        assert.equal(req.contentType, encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');

        const counter = byName(metrics, 'test.int_counter');
        assert.equal(counter.resource['service.name'], 'otlp-receiver-test');
        assert.deepEqual(
          { name: counter.scope.name, version: counter.scope.version },
          { name: 'receiver-test-meter', version: '4.5.6' },
        );
        assert.equal(counter.type, 'sum');
        assert.equal(counter.isMonotonic, true);
        assert.equal(counter.aggregationTemporality, 2); // CUMULATIVE
        assert.equal(counter.unit, '{token}');
        assert.equal(counter.description, 'tokens used');
        const points = counter.dataPoints
          .map((dp) => ({ attributes: dp.attributes, value: dp.value }))
          .sort((a, b) =>
            String(a.attributes['gen_ai.token.type']).localeCompare(String(b.attributes['gen_ai.token.type'])),
          );
        assert.deepEqual(points, [
          { attributes: { 'gen_ai.token.type': 'input' }, value: 6 },
          { attributes: { 'gen_ai.token.type': 'output' }, value: 7 },
        ]);
        for (const dp of counter.dataPoints) {
          assert.equal(typeof dp.timeUnixNano, 'bigint');
          assert.ok(dp.timeUnixNano > 1_600_000_000_000_000_000n, `timeUnixNano ${dp.timeUnixNano}`);
          assert.ok(dp.startTimeUnixNano <= dp.timeUnixNano);
        }

        const double = byName(metrics, 'test.double_counter');
        assert.equal(double.type, 'sum');
        assert.equal(double.dataPoints[0]!.value, 1.5);

        const upDown = byName(metrics, 'test.updown');
        assert.equal(upDown.type, 'sum');
        assert.equal(upDown.isMonotonic, false);
        assert.equal(upDown.dataPoints[0]!.value, 2);

        const histogram = byName(metrics, 'test.histogram');
        assert.equal(histogram.type, 'histogram');
        assert.equal(histogram.isMonotonic, undefined);
        assert.equal(histogram.aggregationTemporality, 2);
        assert.equal(histogram.unit, 's');
        assert.equal(histogram.dataPoints.length, 1);
        const hdp = histogram.dataPoints[0]!;
        assert.deepEqual(hdp.attributes, { 'gen_ai.operation.name': 'chat' });
        assert.equal(hdp.count, 4);
        assert.equal(hdp.sum, 55.55);
        assert.equal(hdp.min, 0.05);
        assert.equal(hdp.max, 50);
        assert.deepEqual(hdp.explicitBounds, [0.1, 1, 10]);
        assert.deepEqual(hdp.bucketCounts, [1, 1, 1, 1]);
        assert.equal('value' in hdp, false);

        const gauge = byName(metrics, 'test.gauge');
        assert.equal(gauge.type, 'gauge');
        assert.equal(gauge.isMonotonic, undefined);
        assert.equal(gauge.aggregationTemporality, undefined);
        assert.deepEqual(
          gauge.dataPoints.map((dp) => [dp.attributes, dp.value]),
          [[{ pool: 'a' }, 17.5]],
        );

        const observable = byName(metrics, 'test.observable_gauge');
        assert.equal(observable.type, 'gauge');
        assert.deepEqual(
          observable.dataPoints.map((dp) => [dp.attributes, dp.value]),
          [[{ source: 'callback' }, 99]],
        );

        const exp = byName(metrics, 'test.exp_histogram');
        assert.equal(exp.type, 'exponentialHistogram');
        assert.equal(exp.aggregationTemporality, 2);
        const edp = exp.dataPoints[0]!;
        assert.equal(edp.count, 4);
        assert.equal(edp.sum, 15);
        assert.equal(edp.min, 1);
        assert.equal(edp.max, 8);
        assert.equal(typeof edp.scale, 'number');
        assert.equal(edp.zeroCount, 0);
        assert.ok(edp.positive);
        assert.equal(
          edp.positive.bucketCounts.reduce((a, b) => a + b, 0),
          4,
          `positive buckets ${JSON.stringify(edp.positive)}`,
        );
        assert.deepEqual(edp.negative?.bucketCounts ?? [], []);
      });
    }

    it('protobuf and JSON decode to identical metrics (timestamps aside)', async () => {
      const proto = await collectMetrics(receiver, 'protobuf');
      const json = await collectMetrics(receiver, 'json');
      assert.deepStrictEqual(withoutTimestamps(json), withoutTimestamps(proto));
    });
  });

  describe('logs', () => {
    for (const encoding of ENCODINGS) {
      it(`decodes log records from the real ${encoding} exporter`, async () => {
        const logs = await collectLogs(receiver, encoding);
        assert.equal(logs.length, 3);
        const req = onlyRequest(receiver, '/v1/logs');
        assert.equal(req.contentType, encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
        assert.equal(req.itemCount, 3);

        const [plain, event, bare] = logs as [ReceivedLog, ReceivedLog, ReceivedLog];
        assert.equal(plain.resource['service.name'], 'otlp-receiver-test');
        assert.deepEqual(
          { name: plain.scope.name, version: plain.scope.version },
          { name: 'receiver-test-logger', version: '7.8.9' },
        );
        assert.equal(plain.body, 'plain text body');
        assert.equal(plain.severityNumber, 9);
        assert.equal(plain.severityText, 'INFO');
        assert.deepEqual(plain.attributes, EXPECTED_EVERY_TYPE);
        assert.equal(plain.eventName, undefined);
        assert.equal(plain.traceId, undefined);
        assert.equal(plain.spanId, undefined);
        assert.equal(plain.timeUnixNano, ns(T0));
        assert.equal(plain.observedTimeUnixNano, ns(T1));

        assert.equal(event.eventName, 'gen_ai.client.inference.operation.details');
        assert.equal(event.severityNumber, 13);
        assert.deepEqual(event.body, { messages: [{ role: 'user', content: 'hi' }], count: 2, ok: true });
        assert.deepEqual(event.attributes, { 'gen_ai.operation.name': 'chat' });
        assert.equal(event.traceId, TRACE_ID);
        assert.equal(event.spanId, CHILD_ID);
        assert.equal(event.flags & 0xff, 1); // sampled
        assert.equal(event.timeUnixNano, ns(T2));

        assert.equal(bare.body, undefined);
        assert.equal(bare.severityNumber, 17);
        assert.deepEqual(bare.attributes, {});
      });
    }

    it('protobuf and JSON decode to identical log records', async () => {
      const proto = await collectLogs(receiver, 'protobuf');
      const json = await collectLogs(receiver, 'json');
      assert.deepStrictEqual(json, proto);
    });
  });

  describe('gzip', () => {
    for (const encoding of ENCODINGS) {
      it(`decodes gzip-compressed ${encoding} spans, metrics and logs like uncompressed ones`, async () => {
        const plainSpans = await collectSpans(receiver, encoding);
        const gzipSpans = await collectSpans(receiver, encoding, 'gzip');
        assert.equal(onlyRequest(receiver, '/v1/traces').encoding, 'gzip');
        assert.deepStrictEqual(gzipSpans, plainSpans);

        const plainMetrics = await collectMetrics(receiver, encoding);
        const gzipMetrics = await collectMetrics(receiver, encoding, 'gzip');
        const req = onlyRequest(receiver, '/v1/metrics');
        assert.equal(req.encoding, 'gzip');
        assert.ok(req.body.length > 0 && !req.bytes.equals(req.body), 'bytes are the compressed body');
        assert.deepStrictEqual(withoutTimestamps(gzipMetrics), withoutTimestamps(plainMetrics));

        const plainLogs = await collectLogs(receiver, encoding);
        const gzipLogs = await collectLogs(receiver, encoding, 'gzip');
        assert.equal(onlyRequest(receiver, '/v1/logs').encoding, 'gzip');
        assert.deepStrictEqual(gzipLogs, plainLogs);
      });
    }

    it('accepts a hand-gzipped OTLP/JSON body', async () => {
      const body = zlib.gzipSync(JSON.stringify(minimalJsonTrace('gz')));
      const res = await post(receiver, '/v1/traces', body, 'application/json', { 'content-encoding': 'gzip' });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      assert.deepEqual(
        receiver.spans().map((s) => s.name),
        ['gz'],
      );
    });
  });

  describe('decoder', () => {
    it('tolerates snake_case keys, string int64s, enum names and base64 ids in OTLP/JSON', async () => {
      const payload = {
        resource_spans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { string_value: 'raw' } }] },
            scope_spans: [
              {
                scope: { name: 'raw-scope', version: '9' },
                spans: [
                  {
                    trace_id: Buffer.from(TRACE_ID, 'hex').toString('base64'),
                    span_id: CHILD_ID.toUpperCase(),
                    parent_span_id: '',
                    name: 'raw span',
                    kind: 'SPAN_KIND_PRODUCER',
                    start_time_unix_nano: '1700000000000000001',
                    end_time_unix_nano: 1_700_000_000_000_000,
                    attributes: [
                      { key: 'big', value: { int_value: '1234567890123' } },
                      { key: 'nan', value: { double_value: 'NaN' } },
                      { key: 'map', value: { kvlist_value: { values: [{ key: 'k', value: { bool_value: true } }] } } },
                      { key: 'bytes', value: { bytes_value: Buffer.from([1, 2, 255]).toString('base64') } },
                      { key: 'empty', value: {} },
                    ],
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  },
                ],
              },
            ],
          },
        ],
      };
      const res = await post(receiver, '/v1/traces', JSON.stringify(payload), 'application/json; charset=utf-8');
      assert.equal(res.status, 200);
      const [span] = receiver.spans();
      assert.ok(span);
      assert.equal(span.traceId, TRACE_ID);
      assert.equal(span.spanId, CHILD_ID);
      assert.equal(span.parentSpanId, undefined);
      assert.equal(span.kind, 4);
      assert.equal(span.startTimeUnixNano, 1_700_000_000_000_000_001n);
      assert.equal(span.endTimeUnixNano, 1_700_000_000_000_000n);
      assert.deepEqual(span.status, { code: 2, message: 'boom' });
      assert.deepEqual(span.resource, { 'service.name': 'raw' });
      assert.deepEqual(span.scope, { name: 'raw-scope', version: '9', attributes: {} });
      assert.equal(span.attributes.big, 1234567890123);
      assert.ok(Number.isNaN(span.attributes.nan));
      assert.deepEqual(span.attributes.map, { k: true });
      assert.deepEqual(span.attributes.bytes, new Uint8Array([1, 2, 255]));
      assert.equal(span.attributes.empty, null);
    });

    it('decodeOtlp decodes a captured payload without a server', async () => {
      await collectSpans(receiver, 'protobuf');
      const req = onlyRequest(receiver, '/v1/traces');
      const decoded = decodeOtlp('traces', req.body, 'protobuf');
      assert.equal(decoded.signal, 'traces');
      assert.deepStrictEqual(decoded.items, receiver.spans());
    });
  });

  describe('replies', () => {
    it('answers 200 with an empty ExportTraceServiceResponse in the request encoding', async () => {
      const json = await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('a')), 'application/json');
      assert.equal(json.status, 200);
      assert.equal(json.headers.get('content-type'), 'application/json');
      assert.equal(await json.text(), '{}');

      const proto = await post(receiver, '/v1/traces', new Uint8Array(0), 'application/x-protobuf');
      assert.equal(proto.status, 200);
      assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
      assert.equal((await proto.arrayBuffer()).byteLength, 0);
      assert.equal(receiver.counts().accepted, 2);
    });

    it('rejects what it cannot handle with 4xx and counts it as invalid', async () => {
      const notFound = await post(receiver, '/v1/profiles', '{}', 'application/json');
      assert.equal(notFound.status, 404);
      const badType = await post(receiver, '/v1/traces', 'hello', 'text/plain');
      assert.equal(badType.status, 415);
      const badJson = await post(receiver, '/v1/logs', '{not json', 'application/json');
      assert.equal(badJson.status, 400);
      assert.match(String(((await badJson.json()) as { message: string }).message), /cannot decode json \/v1\/logs/);
      const badProto = await post(
        receiver,
        '/v1/metrics',
        new Uint8Array([0x0a, 0xff, 0xff]),
        'application/x-protobuf',
      );
      assert.equal(badProto.status, 400);
      const badGzip = await post(receiver, '/v1/traces', 'not gzip', 'application/json', {
        'content-encoding': 'gzip',
      });
      assert.equal(badGzip.status, 400);
      const get = await fetch(`${receiver.url}/v1/traces`);
      assert.equal(get.status, 405);
      assert.deepEqual(receiver.counts(), { received: 6, accepted: 0, rejected: 6, invalid: 6, hung: 0, reset: 0 });
      assert.deepEqual(receiver.spans(), []);
    });

    it('can answer with an OTLP partial success', async () => {
      receiver.setBehaviour({ partialSuccess: { rejected: 2, errorMessage: 'dropped two' } });
      const json = await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('p')), 'application/json');
      assert.equal(json.status, 200);
      assert.deepEqual(await json.json(), { partialSuccess: { rejectedSpans: 2, errorMessage: 'dropped two' } });
      assert.equal(receiver.spans().length, 1);
    });
  });

  describe('fault injection', () => {
    for (const status of [429, 500, 503]) {
      it(`replies ${status} with Retry-After and does not ingest the payload`, async () => {
        receiver.setBehaviour({ status, retryAfterSeconds: 7 });
        const res = await post(
          receiver,
          '/v1/traces',
          JSON.stringify(minimalJsonTrace('rejected')),
          'application/json',
        );
        assert.equal(res.status, status);
        assert.equal(res.headers.get('retry-after'), '7');
        const body = (await res.json()) as { code: number; message: string };
        assert.equal(typeof body.code, 'number');
        assert.match(body.message, new RegExp(String(status)));
        assert.deepEqual(receiver.spans(), []);
        const [req] = receiver.requests();
        assert.equal(req?.outcome, 'rejected');
        assert.equal(req?.status, status);
        assert.equal(req?.itemCount, 1);
        assert.equal(receiver.counts().rejected, 1);
        assert.equal(receiver.counts().accepted, 0);
      });
    }

    it('keeps a behaviour until it is changed, and `times` limits it to the next N requests', async () => {
      receiver.setBehaviour({ status: 503 });
      for (let i = 0; i < 3; i++) {
        assert.equal((await post(receiver, '/v1/logs', '{}', 'application/json')).status, 503);
      }
      receiver.setBehaviour({});
      assert.equal((await post(receiver, '/v1/logs', '{}', 'application/json')).status, 200);

      receiver.setBehaviour({ status: 429, times: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(receiver, '/v1/logs', '{}', 'application/json')).status);
      assert.deepEqual(statuses, [429, 429, 200, 200]);
      assert.deepEqual(receiver.counts(), { received: 8, accepted: 3, rejected: 5, invalid: 0, hung: 0, reset: 0 });
    });

    it('delays replies by delayMs', async () => {
      receiver.setBehaviour({ delayMs: 150 });
      const started = performance.now();
      const res = await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('slow')), 'application/json');
      const elapsed = performance.now() - started;
      assert.equal(res.status, 200);
      assert.ok(elapsed >= 140, `elapsed ${elapsed} ms`);
      assert.equal(receiver.spans().length, 1);
    });

    it('hangs: never answers, so the client times out', async () => {
      receiver.setBehaviour({ hang: true });
      await assert.rejects(
        post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('hung')), 'application/json', {}, 200),
        (err: Error) => err.name === 'TimeoutError',
      );
      assert.equal(receiver.counts().hung, 1);
      assert.deepEqual(receiver.spans(), []);
      receiver.setBehaviour({});
      const res = await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('ok')), 'application/json');
      assert.equal(res.status, 200);
    });

    it('resets the connection', async () => {
      receiver.setBehaviour({ resetConnection: true, times: 1 });
      await assert.rejects(
        post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('reset')), 'application/json'),
        (err: Error) => err instanceof TypeError, // undici: "fetch failed", cause ECONNRESET / socket closed
      );
      assert.equal(receiver.counts().reset, 1);
      assert.equal(receiver.requests()[0]?.outcome, 'reset');
      assert.deepEqual(receiver.spans(), []);
      const res = await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('after')), 'application/json');
      assert.equal(res.status, 200);
    });

    it('the real exporter retries after a 503 and the spans arrive once', async () => {
      receiver.setBehaviour({ status: 503, retryAfterSeconds: 0, times: 1 });
      await emitTraces(traceExporter(receiver, 'protobuf'));
      const spans = await receiver.waitFor('spans', (s) => s.length >= 2);
      assert.equal(spans.length, 2);
      assert.deepEqual(
        receiver.requests().map((r) => [r.outcome, r.status]),
        [
          ['rejected', 503],
          ['accepted', 200],
        ],
      );
    });

    it('close() ends hung connections', async () => {
      const own = await startOtlpReceiver();
      own.setBehaviour({ hang: true });
      const pending = post(own, '/v1/traces', '{}', 'application/json', {}, 10_000);
      await waitUntil(() => own.counts().hung === 1);
      const started = performance.now();
      await own.close();
      await assert.rejects(pending);
      assert.ok(performance.now() - started < 2_000);
    });
  });

  describe('waitFor', () => {
    it('resolves at once when the predicate already holds, and later when data arrives', async () => {
      assert.deepEqual(await receiver.waitFor('logs', (l) => l.length === 0), []);
      const waiting = receiver.waitFor('spans', (s) => s.some((x) => x.name === 'late'), 2_000);
      await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('early')), 'application/json');
      await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('late')), 'application/json');
      const spans: ReceivedSpan[] = await waiting;
      assert.deepEqual(
        spans.map((s) => s.name),
        ['early', 'late'],
      );
    });

    it('rejects after the deadline, saying what was received', async () => {
      await post(receiver, '/v1/traces', JSON.stringify(minimalJsonTrace('something else')), 'application/json');
      await assert.rejects(
        receiver.waitFor(
          'spans',
          (s) => {
            assert.ok(
              s.some((x) => x.name === 'never'),
              'no span named never',
            );
            return true;
          },
          100,
        ),
        (err: Error) => {
          assert.match(err.message, /timed out after 100 ms waiting for spans/);
          assert.match(err.message, /no span named never/);
          assert.match(err.message, /something else/);
          assert.match(err.message, /POST \/v1\/traces application\/json identity → accepted 200/);
          return true;
        },
      );
    });
  });
});

// ---------------------------------------------------------------------------
// helpers

function minimalJsonTrace(name: string) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
        scopeSpans: [
          {
            scope: { name: 'raw' },
            spans: [
              {
                traceId: TRACE_ID,
                spanId: PARENT_ID,
                name,
                kind: 1,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000000000001',
              },
            ],
          },
        ],
      },
    ],
  };
}

function post(
  receiver: OtlpReceiver,
  path: string,
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
  timeoutMs = 5_000,
): Promise<Response> {
  return fetch(`${receiver.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
