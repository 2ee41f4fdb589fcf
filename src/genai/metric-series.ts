import {
  ValueType,
  diag,
  type Attributes,
  type Counter,
  type Histogram,
  type HrTime,
  type MeterProvider,
} from '@opentelemetry/api';
import type {
  AggregationTemporality,
  CollectionResult,
  InstrumentType,
  MetricData,
  MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';

/**
 * Pre-bound metric series for the helpers' hot path.
 *
 * The metrics SDK hashes the attribute set of every measurement (sorted keys, JSON) to find its aggregation: with
 * four measurements per LLM call that costs more than the span itself. Here each attribute *object* is bound once to
 * its series (a WeakMap hit afterwards), so callers that reuse frozen attribute objects per call shape record in tens
 * of nanoseconds. The series are read at each collection by a MetricProducer attached to the readers genai-otel
 * creates, and come out exactly as the SDK's own aggregations would (tested side by side): same descriptors, explicit
 * bucket histograms with min/max, monotonic sums, cumulative or delta as the reader asks, the SDK's cardinality limit.
 * Used only with the MeterProvider start() built; with any other provider the helpers record through the API.
 */

/** The SDK's default limit of attribute sets per instrument; beyond it measurements go to the overflow set. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });
const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});
// The SDK's enum values, spelled here so that this module loads without the metrics SDK.
const CUMULATIVE = 1 as AggregationTemporality;
const DELTA = 0 as AggregationTemporality;
const DATA_POINT_HISTOGRAM = 0;
const DATA_POINT_SUM = 3;

export interface SeriesInstrumentSpec {
  name: string;
  description: string;
  unit: string;
  kind: 'histogram' | 'counter';
  /** Explicit bucket boundaries of a histogram. */
  boundaries?: readonly number[];
}

interface Accumulation {
  startMillis: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Histogram bucket counts (boundaries.length + 1). */
  counts: number[] | undefined;
}

function newAccumulation(startMillis: number, buckets: number): Accumulation {
  return {
    startMillis,
    count: 0,
    sum: 0,
    min: Infinity,
    max: -Infinity,
    counts: buckets > 0 ? new Array<number>(buckets).fill(0) : undefined,
  };
}

function hashAttributes(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((key) => [key, attributes[key]]));
}

function hrTime(millis: number): HrTime {
  const seconds = Math.floor(millis / 1000);
  return [seconds, Math.round((millis - seconds * 1000) * 1e6)];
}

/** One attribute set of one instrument: cumulative since its first measurement, plus an interval per delta reader. */
class Series {
  readonly attributes: Attributes;
  readonly total: Accumulation;
  /** Per delta reader: what was measured since that reader's last collection. */
  readonly intervals: (Accumulation | undefined)[] = [];
  /** Per delta reader: whether the series was in its last collection (then the interval starts at that collection). */
  readonly reported: boolean[] = [];

  constructor(attributes: Attributes, buckets: number, now: number) {
    this.attributes = attributes;
    this.total = newAccumulation(now, buckets);
  }
}

function accumulate(accumulation: Accumulation, value: number, bucket: number): void {
  accumulation.count++;
  accumulation.sum += value;
  if (value < accumulation.min) accumulation.min = value;
  if (value > accumulation.max) accumulation.max = value;
  if (accumulation.counts !== undefined) accumulation.counts[bucket]!++;
}

/** A histogram or counter whose measurements go to pre-bound series. */
class SeriesInstrument implements Histogram, Counter {
  readonly spec: SeriesInstrumentSpec;
  private readonly store: MetricSeriesStore;
  private readonly boundaries: readonly number[];
  private readonly byObject = new WeakMap<Attributes, Series>();
  readonly byKey = new Map<string, Series>();

  constructor(spec: SeriesInstrumentSpec, store: MetricSeriesStore) {
    this.spec = spec;
    this.store = store;
    this.boundaries = spec.boundaries ?? [];
  }

  record(value: number, attributes: Attributes = EMPTY_ATTRIBUTES): void {
    this.measure(value, attributes);
  }

  add(value: number, attributes: Attributes = EMPTY_ATTRIBUTES): void {
    this.measure(value, attributes);
  }

  private measure(value: number, attributes: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      diag.warn(`non-number value provided to metric ${this.spec.name}: ${String(value)}`);
      return;
    }
    if (value < 0) {
      diag.warn(`negative value provided to ${this.spec.kind} ${this.spec.name}: ${value}`);
      return;
    }
    const series = this.byObject.get(attributes) ?? this.bind(attributes);
    const bucket = this.spec.kind === 'histogram' ? this.bucketOf(value) : 0;
    accumulate(series.total, value, bucket);
    const deltaReaders = this.store.deltaReaders;
    for (let slot = 0; slot < deltaReaders; slot++) {
      let interval = series.intervals[slot];
      if (interval === undefined)
        interval = series.intervals[slot] = newAccumulation(
          Date.now(),
          this.boundaries.length > 0 ? this.boundaries.length + 1 : 0,
        );
      accumulate(interval, value, bucket);
    }
  }

  /** The bucket a value falls in: the first boundary it does not exceed, as the SDK counts. */
  private bucketOf(value: number): number {
    const boundaries = this.boundaries;
    let low = 0;
    let high = boundaries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (boundaries[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private bind(attributes: Attributes): Series {
    const key = hashAttributes(attributes);
    if (!this.byKey.has(key) && this.byKey.size >= CARDINALITY_LIMIT - 1) {
      // Not remembered by object: a later collection with room may take a new attribute set again, as the SDK's does.
      return this.seriesFor(hashAttributes(OVERFLOW_ATTRIBUTES), OVERFLOW_ATTRIBUTES);
    }
    const series = this.seriesFor(key, attributes);
    this.byObject.set(attributes, series);
    return series;
  }

  private seriesFor(key: string, attributes: Attributes): Series {
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = new Series(
        Object.freeze({ ...attributes }),
        this.boundaries.length > 0 ? this.boundaries.length + 1 : 0,
        Date.now(),
      );
      this.byKey.set(key, series);
    }
    return series;
  }
}

/** The series of every instrument the helpers record, and the producers that hand them to metric readers. */
export class MetricSeriesStore {
  private readonly instruments = new Map<string, SeriesInstrument>();
  private readonly scope: { name: string; version: string };
  private readonly resource: Resource;
  /** Readers with delta temporality, each with its own interval slot in every series. */
  deltaReaders = 0;

  constructor(scope: { name: string; version: string }, resource: Resource) {
    this.scope = scope;
    this.resource = resource;
  }

  histogram(spec: Omit<SeriesInstrumentSpec, 'kind'>): Histogram {
    return this.instrument({ ...spec, kind: 'histogram' });
  }

  counter(spec: Omit<SeriesInstrumentSpec, 'kind' | 'boundaries'>): Counter {
    return this.instrument({ ...spec, kind: 'counter' });
  }

  private instrument(spec: SeriesInstrumentSpec): SeriesInstrument {
    let instrument = this.instruments.get(spec.name);
    if (instrument === undefined) {
      instrument = new SeriesInstrument(spec, this);
      this.instruments.set(spec.name, instrument);
    }
    return instrument;
  }

  /**
   * A producer for one metric reader. `temporalityOf` is the reader's (its exporter's) choice per instrument type; it
   * must be fixed when the reader is made, before anything is recorded.
   */
  producer(temporalityOf: (type: InstrumentType) => AggregationTemporality): MetricProducer {
    const histogramTemporality = temporalityOf('HISTOGRAM' as InstrumentType);
    const counterTemporality = temporalityOf('COUNTER' as InstrumentType);
    const needsSlot = histogramTemporality === DELTA || counterTemporality === DELTA;
    const slot = needsSlot ? this.deltaReaders++ : -1;
    let lastCollectionMillis = Date.now();
    return {
      collect: async (): Promise<CollectionResult> => {
        const now = Date.now();
        const metrics: MetricData[] = [];
        for (const instrument of this.instruments.values()) {
          const temporality = instrument.spec.kind === 'histogram' ? histogramTemporality : counterTemporality;
          const metric = this.metricOf(instrument, temporality, slot, lastCollectionMillis, now);
          if (metric !== undefined) metrics.push(metric);
        }
        lastCollectionMillis = now;
        return {
          resourceMetrics: {
            resource: this.resource,
            scopeMetrics: metrics.length === 0 ? [] : [{ scope: this.scope, metrics }],
          },
          errors: [],
        };
      },
    };
  }

  private metricOf(
    instrument: SeriesInstrument,
    temporality: AggregationTemporality,
    slot: number,
    lastCollectionMillis: number,
    now: number,
  ): MetricData | undefined {
    const { spec } = instrument;
    const endTime = hrTime(now);
    const points: { attributes: Attributes; startTime: HrTime; accumulation: Accumulation }[] = [];
    for (const series of instrument.byKey.values()) {
      if (temporality === CUMULATIVE) {
        points.push({
          attributes: series.attributes,
          startTime: hrTime(series.total.startMillis),
          accumulation: series.total,
        });
        continue;
      }
      const interval = series.intervals[slot];
      if (interval === undefined || interval.count === 0) {
        series.reported[slot] = false;
        continue;
      }
      series.intervals[slot] = undefined;
      points.push({
        attributes: series.attributes,
        startTime: hrTime(series.reported[slot] === true ? lastCollectionMillis : interval.startMillis),
        accumulation: interval,
      });
      series.reported[slot] = true;
    }
    if (points.length === 0) return undefined;
    const descriptor = {
      name: spec.name,
      description: spec.description,
      unit: spec.unit,
      type: (spec.kind === 'histogram' ? 'HISTOGRAM' : 'COUNTER') as InstrumentType,
      valueType: ValueType.DOUBLE,
      advice: spec.kind === 'histogram' ? { explicitBucketBoundaries: [...(spec.boundaries ?? [])] } : {},
    };
    if (spec.kind === 'counter') {
      return {
        descriptor,
        aggregationTemporality: temporality,
        dataPointType: DATA_POINT_SUM,
        isMonotonic: true,
        dataPoints: points.map((point) => ({
          attributes: point.attributes,
          startTime: point.startTime,
          endTime,
          value: point.accumulation.sum,
        })),
      };
    }
    return {
      descriptor,
      aggregationTemporality: temporality,
      dataPointType: DATA_POINT_HISTOGRAM,
      dataPoints: points.map((point) => ({
        attributes: point.attributes,
        startTime: point.startTime,
        endTime,
        value: {
          min: point.accumulation.min,
          max: point.accumulation.max,
          sum: point.accumulation.sum,
          buckets: { boundaries: [...(spec.boundaries ?? [])], counts: [...point.accumulation.counts!] },
          count: point.accumulation.count,
        },
      })),
    };
  }
}

// Which MeterProviders start() serves from a store, shared by the ESM and CommonJS builds of genai-otel.
const SERVED_KEY = Symbol.for('genai-otel.metric-series.served');
const slots = globalThis as Record<symbol, WeakMap<MeterProvider, MetricSeriesStore> | undefined>;

/** Marks `provider` as one whose readers collect `store`: the helpers then record into the store, not the API. */
export function serveFromStore(provider: MeterProvider, store: MetricSeriesStore): void {
  (slots[SERVED_KEY] ??= new WeakMap()).set(provider, store);
}

/** The store behind `provider`, when start() built it with one. */
export function storeServing(provider: MeterProvider): MetricSeriesStore | undefined {
  return slots[SERVED_KEY]?.get(provider);
}
