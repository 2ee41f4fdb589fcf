/** The dashboard's figures, whatever they were computed from. Durations in seconds, money in USD. */
export interface ReportData {
  /** Where the figures come from, e.g. `files in .genai-otel` or `Prometheus at http://localhost:9090`. */
  source: string;
  /** Percentiles from Prometheus are estimated from histogram buckets; from files they are exact. */
  exactPercentiles: boolean;
  sinceMillis: number;
  untilMillis: number;
  service?: string;
  requests: number;
  errors: number;
  /** errors / requests; null without requests. */
  errorRate: number | null;
  latency: Percentiles | null;
  timeToFirstChunk: Percentiles | null;
  /** Cache reads are known from spans only (no metric carries them): null from Prometheus. */
  tokens: { input: number; output: number; cacheRead: number | null };
  costUsd: number;
  byModel: ModelRow[];
  byHour: HourRow[];
  tools: { calls: number; failures: number; failureRate: number | null; byTool: ToolRow[] };
  retries: { total: number; byReason: { reason: string; count: number }[] };
  feedback: { likes: number; dislikes: number };
  /** Calls, errors and p95 per span name and kind: what Jaeger's Monitor tab shows. */
  operations: OperationRow[];
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface ModelRow {
  model: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface HourRow {
  hourStartMillis: number;
  requests: number;
  costUsd: number;
}

export interface ToolRow {
  tool: string;
  calls: number;
  failures: number;
}

export interface OperationRow {
  name: string;
  kind: string;
  calls: number;
  errors: number;
  p95Millis: number | null;
}

export const HOUR_MILLIS = 3_600_000;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** part / whole, or null without a whole. @example ratio(1, 4) // 0.25 */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
