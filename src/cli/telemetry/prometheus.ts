// Prometheus's HTTP query API: instant vectors and ranges, values as numbers.
import { getJson, requestTimeoutMillis } from './http.ts';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Series {
  labels: Record<string, string>;
  points: { timeMillis: number; value: number }[];
}

interface QueryResponse {
  status?: string;
  error?: string;
  data?: {
    resultType?: string;
    result?: { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];
  };
}

/**
 * A small client of Prometheus's query API.
 *
 * @example
 * const samples = await new PrometheusClient('http://localhost:9090').query('sum(genai_otel_client_cost_USD_total)');
 */
export class PrometheusClient {
  readonly baseUrl: string;
  private readonly timeoutMillis: number;

  constructor(baseUrl: string, timeoutMillis = requestTimeoutMillis()) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMillis = timeoutMillis;
  }

  /** Evaluates `expr` at `atMillis` (now by default). */
  async query(expr: string, atMillis?: number): Promise<Sample[]> {
    const params = new URLSearchParams({ query: expr });
    if (atMillis !== undefined) params.set('time', String(atMillis / 1000));
    const body = (await getJson(
      `${this.baseUrl}/api/v1/query?${params.toString()}`,
      this.timeoutMillis,
    )) as QueryResponse;
    if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? 'unknown error'}`);
    return (body.data?.result ?? []).map((item) => ({ labels: item.metric ?? {}, value: Number(item.value?.[1]) }));
  }

  /** Evaluates `expr` from `startMillis` to `endMillis` every `stepSeconds`. */
  async queryRange(expr: string, startMillis: number, endMillis: number, stepSeconds: number): Promise<Series[]> {
    const params = new URLSearchParams({
      query: expr,
      start: String(startMillis / 1000),
      end: String(endMillis / 1000),
      step: String(stepSeconds),
    });
    const body = (await getJson(
      `${this.baseUrl}/api/v1/query_range?${params.toString()}`,
      this.timeoutMillis,
    )) as QueryResponse;
    if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? 'unknown error'}`);
    return (body.data?.result ?? []).map((item) => ({
      labels: item.metric ?? {},
      points: (item.values ?? []).map(([time, value]) => ({ timeMillis: time * 1000, value: Number(value) })),
    }));
  }
}
