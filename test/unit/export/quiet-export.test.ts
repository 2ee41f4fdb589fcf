// What an idle process has to report is nothing: no metrics request for pipeline metrics at zero, no spool folder,
// no status file. Anything measured still goes out, or onto disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import { carriesMeasurements, DurableMetricExporter } from '../../../src/export/durable-exporters.ts';
import { temporalitySelector } from '../../../src/sdk/pipelines.ts';
import { closedPort } from '../../support/ports.ts';
import { spoolStatusFiles, spooledPayloads } from '../../support/spool-files.ts';
import { processStatusName } from '../../../src/export/folder-status.ts';

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A delivery to a closed port, spooling into a folder that does not exist yet, with its health metrics on a provider. */
async function setUp() {
  const spool = join(mkdtempSync(join(tmpdir(), 'quiet-export-')), 'spool');
  const url = `http://127.0.0.1:${await closedPort()}`;
  const target = (signal: string) => ({
    url: `${url}/v1/${signal}`,
    headers: {},
    compression: 'none' as const,
    timeoutMillis: 1000,
  });
  const delivery = new OtlpDelivery({
    targets: { traces: target('traces'), metrics: target('metrics') },
    spool: { directory: spool, maxBytes: 1_000_000 },
  });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  delivery.counters.observeWith(meterProvider.getMeter('genai-otel'));
  // The SDK's own span-queue metrics (size, capacity), as start() wires them.
  new BatchSpanProcessor({ exporter: new InMemorySpanExporter(), selfObsMeterProvider: meterProvider });
  const collect = async (): Promise<ResourceMetrics> => (await reader.collect()).resourceMetrics;
  return { spool, delivery, meterProvider, collect };
}

test('pipeline metrics at zero (and the queue capacity) carry no measurement; any count or app metric does', async () => {
  const { delivery, meterProvider, collect } = await setUp();
  const idle = await collect();
  const names = idle.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name));
  assert.ok(
    names.includes('genai_otel.exporter.items') && names.includes('otel.sdk.processor.span.queue.capacity'),
    names.join(', '),
  );
  assert.equal(carriesMeasurements(idle), false);

  delivery.counters.count('traces', 'dropped', 1);
  assert.equal(carriesMeasurements(await collect()), true, 'a dropped span is news');

  const { meterProvider: fresh, collect: collectFresh } = await setUp();
  fresh.getMeter('app').createHistogram('app.latency').record(0);
  assert.equal(carriesMeasurements(await collectFresh()), true, 'an app measurement, even of zero');
  await Promise.all([meterProvider.shutdown(), fresh.shutdown()]);
});

test('an idle collection is answered without a request, and shutdown then leaves no spool folder or status file', async () => {
  const { spool, delivery, collect } = await setUp();
  const exporter = new DurableMetricExporter('protobuf', delivery, temporalitySelector('cumulative'));
  const codes: number[] = [];
  exporter.export(await collect(), (result) => codes.push(result.code));
  assert.deepEqual(codes, [0]);
  assert.equal(delivery.counters.handedToExporter.metrics, 0, 'nothing handed to the delivery');
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();
  assert.equal(existsSync(spool), false);
  assert.equal(delivery.health().collectorReachable, undefined, 'no connection was attempted');
});

test('a collection with a measurement goes out; with the collector away it is spooled, and its status file written', async () => {
  const { spool, delivery, meterProvider, collect } = await setUp();
  meterProvider.getMeter('app').createCounter('app.orders').add(1);
  const exporter = new DurableMetricExporter('protobuf', delivery, temporalitySelector('cumulative'));
  exporter.export(await collect(), () => undefined);
  await delivery.flush();
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();
  const files = readdirSync(spool);
  assert.ok(
    spooledPayloads(spool).some((name) => name.includes('.metrics.')),
    files.join(', '),
  );
  assert.deepEqual(spoolStatusFiles(spool), [processStatusName()], files.join(', '));
  assert.equal(delivery.health().signals.metrics.spooled, delivery.counters.handedToExporter.metrics);
});
