// The OTLP/protobuf exporter takes the batch processor's small handovers, encodes each in the next turn of the event
// loop (off the call that ended the span), and sends them as full requests: at most the configured batch size, in
// order, closed early when the processor's queue ran dry, by the schedule delay, or by a flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import { DurableSpanExporter } from '../../../src/export/durable-exporters.ts';
import { RequestAssembler, type AssemblyOptions } from '../../../src/export/request-assembler.ts';
import { assembledBatches } from '../../../src/sdk/pipelines.ts';
import { RedactingSpanExporter } from '../../../src/privacy/span-exporter.ts';
import { createRedactor } from '../../../src/privacy/redactor.ts';
import { privacyFrom } from '../../support/redacting-sdk.ts';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';

function makeSpans(count: number, first: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer(
    'assembly',
  );
  for (let index = 0; index < count; index++) tracer.startSpan('work', { attributes: { seq: first + index } }).end();
  return memory.getFinishedSpans();
}

async function setUp(options: { spool?: boolean } = {}): Promise<{
  receiver: OtlpReceiver;
  delivery: OtlpDelivery;
  handedAtTurn: number[];
  turn: () => number;
  stop: () => Promise<void>;
}> {
  const receiver = await startOtlpReceiver();
  const delivery = new OtlpDelivery({
    targets: { traces: { url: receiver.endpoints.traces, headers: {}, compression: 'none', timeoutMillis: 5000 } },
    spool:
      options.spool === false
        ? undefined
        : { directory: mkdtempSync(join(tmpdir(), 'assembly-spool-')), maxBytes: 10_000_000 },
  });
  await new Promise((resolve) => setTimeout(resolve, 50)); // the spool opens
  // Counts turns of the event loop, and notes at which turn each payload is handed to the delivery.
  let turns = 0;
  let counting = true;
  const count = (): void => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const handedAtTurn: number[] = [];
  const deliver = delivery.deliver.bind(delivery);
  delivery.deliver = (...args) => {
    handedAtTurn.push(turns);
    return deliver(...args);
  };
  const stop = async (): Promise<void> => {
    counting = false;
    await delivery.shutdown();
    await receiver.close();
  };
  return { receiver, delivery, handedAtTurn, turn: () => turns, stop };
}

const spanCounts = (receiver: OtlpReceiver): number[] =>
  receiver
    .requests()
    .filter((request) => request.path === '/v1/traces')
    .map((request) => request.itemCount ?? -1);
const assembly = (overrides: Partial<AssemblyOptions> = {}): AssemblyOptions => ({
  maxRequestRecords: 2048,
  maxOpenMillis: 60_000,
  chunkRecords: 256,
  ...overrides,
});

test('handovers are accepted at once, encoded in a later turn, and sent together as one request once the queue runs dry', async () => {
  const { receiver, delivery, handedAtTurn, turn, stop } = await setUp();
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly());
  const answers: number[] = [];
  try {
    const startTurn = turn();
    for (let chunk = 0; chunk < 4; chunk++)
      exporter.export(makeSpans(256, chunk * 256), (result) => answers.push(result.code));
    exporter.export(makeSpans(10, 1024), (result) => answers.push(result.code)); // a partial handover: the queue ran dry
    assert.deepEqual(answers, [0, 0, 0, 0, 0], 'accepted at once');
    assert.deepEqual(handedAtTurn, [], 'nothing encoded or sent in the turn that handed over');
    const spans = await receiver.waitFor('spans', (all) => all.length === 1034, 5000);
    assert.ok(handedAtTurn[0]! > startTurn, `sent at turn ${handedAtTurn[0]}, after ${startTurn}`);
    assert.deepEqual(
      spans.map((span) => span.attributes.seq),
      Array.from({ length: 1034 }, (_, index) => index),
    );
    assert.deepEqual(spanCounts(receiver), [1034], 'one request');
    await delivery.flush();
    assert.equal(delivery.health().signals.traces.exported, 1034);
  } finally {
    await stop();
  }
});

test('a request never holds more than the batch size: a handover that does not fit is split across two requests, in order', async () => {
  const { receiver, delivery, stop } = await setUp();
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly({ maxRequestRecords: 300 }));
  try {
    for (let chunk = 0; chunk < 3; chunk++) exporter.export(makeSpans(256, chunk * 256), () => undefined);
    await delivery.flush();
    const spans = await receiver.waitFor('spans', (all) => all.length === 768, 5000);
    assert.deepEqual(spanCounts(receiver), [300, 300, 168]);
    assert.deepEqual(
      spans.map((span) => span.attributes.seq),
      Array.from({ length: 768 }, (_, index) => index),
    );
  } finally {
    await stop();
  }
});

test('an open request goes out after the schedule delay when no more handovers come', async () => {
  const { receiver, delivery, stop } = await setUp();
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly({ maxOpenMillis: 150 }));
  try {
    const begun = performance.now();
    exporter.export(makeSpans(256, 0), () => undefined); // a full handover: more may follow, so the request stays open
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.deepEqual(spanCounts(receiver), [], 'still open before the delay');
    await receiver.waitFor('spans', (all) => all.length === 256, 5000);
    assert.ok(performance.now() - begun >= 140, `sent after ${Math.round(performance.now() - begun)} ms`);
    assert.deepEqual(spanCounts(receiver), [256]);
  } finally {
    await stop();
  }
});

test('a flush sends the open request at once, without waiting for the schedule delay', async () => {
  const { receiver, delivery, stop } = await setUp();
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly());
  try {
    exporter.export(makeSpans(256, 0), () => undefined);
    const begun = performance.now();
    await delivery.flush();
    assert.ok(performance.now() - begun < 5000);
    assert.deepEqual(spanCounts(receiver), [256]);
  } finally {
    await stop();
  }
});

test('a burst that never yields is encoded as it comes once more than 4,096 spans wait, not held to the next turn', async () => {
  const { receiver, delivery, handedAtTurn, turn, stop } = await setUp();
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly());
  try {
    const startTurn = turn();
    for (let chunk = 0; chunk < 20; chunk++) exporter.export(makeSpans(256, chunk * 256), () => undefined);
    assert.ok(handedAtTurn.length >= 2, `${handedAtTurn.length} requests handed over in the same turn`);
    assert.ok(handedAtTurn.every((at) => at === startTurn));
    await delivery.flush();
    const spans = await receiver.waitFor('spans', (all) => all.length === 5120, 5000);
    assert.deepEqual(
      spans.map((span) => span.attributes.seq),
      Array.from({ length: 5120 }, (_, index) => index),
    );
    assert.ok(spanCounts(receiver).every((count) => count <= 2048));
  } finally {
    await stop();
  }
});

test('without a spool, the handover that completes a request is answered only once the collector has answered', async () => {
  const { receiver, delivery, stop } = await setUp({ spool: false });
  receiver.setBehaviour({ delayMs: 300 });
  const exporter = new DurableSpanExporter('protobuf', delivery, assembly({ maxRequestRecords: 512 }));
  const answeredAt: number[] = [];
  try {
    const begun = performance.now();
    exporter.export(makeSpans(256, 0), () => answeredAt.push(performance.now() - begun));
    exporter.export(makeSpans(256, 256), () => answeredAt.push(performance.now() - begun));
    assert.equal(
      answeredAt.length,
      1,
      'the first handover is answered at once, the second waits for the request it completed',
    );
    await delivery.flush();
    assert.equal(answeredAt.length, 2);
    assert.ok(answeredAt[1]! >= 290, `answered after ${Math.round(answeredAt[1]!)} ms`);
    assert.deepEqual(spanCounts(receiver), [512]);
  } finally {
    await stop();
  }
});

test('redaction runs when the spans are encoded, not in the call that handed them over; a span whose redaction fails is dropped and counted', async () => {
  const { receiver, delivery, stop } = await setUp();
  const redactor = createRedactor(privacyFrom());
  let redactions = 0;
  const redactAttributes = redactor.redactAttributes.bind(redactor);
  redactor.redactAttributes = (attributes, onFailure) => {
    if (attributes?.seq !== undefined) redactions++; // span attributes, not the resource's
    if (attributes?.seq === 3) throw new Error('broken rule');
    return redactAttributes(attributes, onFailure);
  };
  const exporter = new RedactingSpanExporter(new DurableSpanExporter('protobuf', delivery, assembly()), redactor);
  try {
    const spans = makeSpans(5, 0);
    (spans[1]!.attributes as Record<string, unknown>).note = 'mail me at jane.doe@example.com';
    exporter.export(spans, () => undefined);
    assert.equal(redactions, 0, 'not redacted in the handover');
    await delivery.flush();
    assert.equal(redactions, 5);
    const received = await receiver.waitFor('spans', (all) => all.length === 4, 5000);
    assert.deepEqual(
      received.map((span) => span.attributes.seq),
      [0, 1, 2, 4],
    );
    const note = String(received[1]!.attributes.note);
    assert.ok(note.startsWith('mail me at ') && !note.includes('jane.doe@example.com'), note);
    assert.equal(delivery.health().signals.traces.dropped, 1);
  } finally {
    await stop();
  }
});

test('assembledBatches: in protobuf the processor hands over chunks of at most 256 and the exporter assembles the configured batch; JSON is left as configured', () => {
  const batch = { scheduledDelayMillis: 5000, exportTimeoutMillis: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 };
  assert.deepEqual(assembledBatches(batch, 'protobuf'), {
    batch: { ...batch, maxExportBatchSize: 256 },
    assembly: { maxRequestRecords: 512, maxOpenMillis: 5000, chunkRecords: 256 },
  });
  assert.deepEqual(assembledBatches({ ...batch, maxExportBatchSize: 100 }, 'protobuf').batch.maxExportBatchSize, 100);
  assert.deepEqual(assembledBatches(batch, 'json'), { batch, assembly: undefined });
});

test('through a real BatchSpanProcessor: 3,000 spans reach the collector in requests of at most the batch size, none lost', async () => {
  const { receiver, delivery, stop } = await setUp();
  const { batch, assembly: assembled } = assembledBatches(
    { scheduledDelayMillis: 200, exportTimeoutMillis: 30000, maxQueueSize: 8192, maxExportBatchSize: 1000 },
    'protobuf',
  );
  const provider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new DurableSpanExporter('protobuf', delivery, assembled), ...batch }),
    ],
  });
  const tracer = provider.getTracer('assembly');
  try {
    for (let index = 0; index < 3000; index++) {
      tracer.startSpan('work', { attributes: { seq: index } }).end();
      if (index % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }
    await provider.forceFlush();
    await delivery.flush();
    const spans = await receiver.waitFor('spans', (all) => all.length === 3000, 5000);
    assert.deepEqual(new Set(spans.map((span) => span.attributes.seq)).size, 3000);
    const counts = spanCounts(receiver);
    assert.ok(
      counts.every((count) => count <= 1000),
      `requests of ${counts.join(', ')}`,
    );
    assert.ok(counts.length <= 6, `${counts.length} requests for 3,000 spans`);
  } finally {
    await provider.shutdown();
    await stop();
  }
});

test('an encoding that throws in the later turn is reported and counted, never thrown at the application', async () => {
  const { delivery, stop } = await setUp();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  const assembler = new RequestAssembler<ReadableSpan>(
    'traces',
    delivery,
    () => {
      throw new Error('encoder bug');
    },
    assembly(),
  );
  try {
    const answers: number[] = [];
    assembler.accept(makeSpans(256, 0), undefined, (result) => answers.push(result.code));
    assembler.accept(makeSpans(10, 256), undefined, (result) => answers.push(result.code));
    assert.deepEqual(answers, [0, 0]);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(uncaught, []);
    assert.equal(delivery.health().signals.traces.dropped, 266);
    await delivery.flush(); // nothing left to send, and the flush does not throw either
  } finally {
    process.off('uncaughtException', onUncaught);
    await stop();
  }
});
