// The pre-bound metric series (the helpers' fast path under start()) must export exactly what the metrics SDK's own
// instruments export for the same measurements: recorded side by side, collected, compared point by point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MetricSeriesStore } from '../../../src/genai/metric-series.ts';
import { DURATION_BUCKETS_SECONDS, TOKEN_BUCKETS } from '../../../src/genai/genai-instruments.ts';

class ManualReader extends MetricReader {
  constructor(
    temporality: AggregationTemporality,
    metricProducers?: ConstructorParameters<typeof MetricReader>[0] extends infer O
      ? O extends { metricProducers?: infer P }
        ? P
        : never
      : never,
  ) {
    super({ aggregationTemporalitySelector: () => temporality, metricProducers });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

interface Side {
  duration: { record(value: number, attributes?: Attributes): void };
  tokens: { record(value: number, attributes?: Attributes): void };
  cost: { add(value: number, attributes?: Attributes): void };
  collect(): Promise<MetricData[]>;
}

function sdkSide(temporality: AggregationTemporality): Side {
  const reader = new ManualReader(temporality);
  const meter = new MeterProvider({ readers: [reader] }).getMeter('genai-otel', '1');
  return {
    duration: meter.createHistogram('gen_ai.client.operation.duration', {
      unit: 's',
      description: 'd',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
    }),
    tokens: meter.createHistogram('gen_ai.client.token.usage', {
      unit: '{token}',
      description: 't',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    cost: meter.createCounter('genai_otel.client.cost', { unit: 'USD', description: 'c' }),
    collect: async () => (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics),
  };
}

function seriesSide(temporality: AggregationTemporality): Side {
  const store = new MetricSeriesStore({ name: 'genai-otel', version: '1' }, resourceFromAttributes({}));
  const reader = new ManualReader(temporality, [store.producer(() => temporality)]);
  new MeterProvider({ readers: [reader] });
  return {
    duration: store.histogram({
      name: 'gen_ai.client.operation.duration',
      unit: 's',
      description: 'd',
      boundaries: DURATION_BUCKETS_SECONDS,
    }),
    tokens: store.histogram({
      name: 'gen_ai.client.token.usage',
      unit: '{token}',
      description: 't',
      boundaries: TOKEN_BUCKETS,
    }),
    cost: store.counter({ name: 'genai_otel.client.cost', unit: 'USD', description: 'c' }),
    collect: async () => (await reader.collect()).resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics),
  };
}

/** Everything but the timestamps, points in a stable order; sums to 12 digits (the SDK adds up per interval). */
function comparable(metrics: MetricData[]): unknown[] {
  const rounded = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' ? Number(item.toPrecision(12)) : item)),
    );
  return rounded(
    metrics
      .map((metric) => ({
        ...metric,
        dataPoints: metric.dataPoints
          .map((point) => ({ attributes: point.attributes, value: point.value }))
          .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
      }))
      .sort((a, b) => a.descriptor.name.localeCompare(b.descriptor.name)),
  ) as unknown[];
}

const gpt: Attributes = Object.freeze({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o',
});
const claude: Attributes = Object.freeze({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'anthropic',
  'error.type': 'RateLimitError',
});

function recordRound(side: Side, round: number): void {
  for (let index = 0; index < 50; index++) {
    side.duration.record(0.003 * (index + 1) * round, gpt);
    // A fresh but equal object must land in the same series as the frozen one.
    side.tokens.record(index * 37 + round, { ...gpt, 'gen_ai.token.type': 'input' });
    side.cost.add(0.0001 * index, gpt);
  }
  side.duration.record(0.01, claude); // exactly on a boundary
  side.duration.record(100, claude); // beyond the last boundary
  side.duration.record(-1, claude); // refused, as by the SDK
  if (round === 1) side.cost.add(2.5, claude); // only in the first interval
}

for (const [label, temporality] of [
  ['cumulative', AggregationTemporality.CUMULATIVE],
  ['delta', AggregationTemporality.DELTA],
] as const) {
  test(`pre-bound series export the same ${label} histograms and sums as the metrics SDK, over two collections`, async () => {
    const sdk = sdkSide(temporality);
    const series = seriesSide(temporality);
    for (const round of [1, 2]) {
      recordRound(sdk, round);
      recordRound(series, round);
      const [expected, actual] = [await sdk.collect(), await series.collect()];
      assert.ok(expected.length >= 3);
      assert.deepEqual(comparable(actual), comparable(expected), `collection ${round}`);
    }
  });
}

test('a series starts at its first measurement (cumulative); a delta point starts at the previous collection', async () => {
  const before = Date.now();
  const side = seriesSide(AggregationTemporality.DELTA);
  side.cost.add(1, gpt);
  const first = (await side.collect())[0]!.dataPoints[0]!;
  assert.ok(first.startTime[0] * 1000 + first.startTime[1] / 1e6 >= before - 1);
  side.cost.add(1, gpt);
  const second = (await side.collect())[0]!.dataPoints[0]!;
  assert.deepEqual(second.startTime, first.endTime);
  assert.equal((await side.collect()).length, 0, 'no measurement in the interval: no point');
});

test('beyond the cardinality limit, new attribute sets go to the overflow series', async () => {
  const side = seriesSide(AggregationTemporality.CUMULATIVE);
  for (let index = 0; index < 2100; index++) side.cost.add(1, { 'gen_ai.request.model': `m-${index}` });
  const points = (await side.collect())[0]!.dataPoints;
  assert.equal(points.length, 2000);
  const overflow = points.find((point) => point.attributes['otel.metric.overflow'] === true);
  assert.equal(overflow?.value, 101);
});
