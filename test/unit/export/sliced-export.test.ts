// A large span batch is accepted at once and serialized a slice per turn of the event loop, yet reaches the collector
// as one request holding every span, in order with the batches around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import { DurableSpanExporter } from '../../../src/export/exporters.ts';
import { startOtlpReceiver } from '../../support/otlp-receiver.ts';

function makeSpans(count: number, first: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer('sliced');
  for (let index = 0; index < count; index++) tracer.startSpan('work', { attributes: { seq: first + index } }).end();
  return memory.getFinishedSpans();
}

test('a 2,000-span batch is accepted at once, serialized across turns of the event loop, and sent as one request', async () => {
  const receiver = await startOtlpReceiver();
  const delivery = new OtlpDelivery({
    targets: { traces: { url: receiver.endpoints.traces, headers: {}, compression: 'none', timeoutMillis: 5000 } },
    spool: { directory: mkdtempSync(join(tmpdir(), 'sliced-spool-')), maxBytes: 10_000_000 },
  });
  await new Promise((resolve) => setTimeout(resolve, 50)); // the spool opens
  const exporter = new DurableSpanExporter('protobuf', delivery);
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
  const answers: number[] = [];
  const batch = makeSpans(2000, 0);
  try {
    exporter.export(batch, (result) => answers.push(result.code));
    assert.deepEqual(answers, [0], 'accepted at once');
    assert.deepEqual(handedAtTurn, [], 'not serialized in the same turn');
    exporter.export(makeSpans(10, 2000), (result) => answers.push(result.code)); // a small batch behind it keeps its place
    await delivery.flush();
  } finally {
    counting = false;
  }
  // 2,000 spans at 128 per turn: 16 turns; the small batch only after the big one.
  assert.equal(handedAtTurn.length, 2);
  assert.ok(handedAtTurn[0]! >= 10, `handed over at turn ${handedAtTurn[0]}`);
  const spans = await receiver.waitFor('spans', (all) => all.length === 2010, 5000);
  assert.deepEqual(spans.map((span) => span.attributes.seq), Array.from({ length: 2010 }, (_, index) => index));
  assert.equal(receiver.requests().filter((request) => request.path === '/v1/traces').length, 2);
  assert.deepEqual(answers, [0, 0]);
  assert.equal(delivery.health().signals.traces.exported, 2010);
  await delivery.shutdown();
  await receiver.close();
});
