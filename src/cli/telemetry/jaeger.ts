// Jaeger's stable query API (/api/v3): OTLP/JSON traces by service and time window, or by id. It has no attribute
// filter over HTTP, so a session is found by reading the service's recent traces.
import { getJson, HttpError } from './http.ts';
import { spansOf, type CliSpan } from './otlp-json.ts';

/**
 * A small client of Jaeger's /api/v3.
 *
 * @example
 * const spans = await new JaegerClient('http://localhost:16686').trace('4bf92f3577b34da6a3ce929d0e0e4736');
 */
export class JaegerClient {
  readonly baseUrl: string;
  private readonly timeoutMillis: number;

  constructor(baseUrl: string, timeoutMillis = 10_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.timeoutMillis = timeoutMillis;
  }

  /** The services Jaeger has seen. */
  async services(): Promise<string[]> {
    const body = (await getJson(`${this.baseUrl}/api/v3/services`, this.timeoutMillis)) as { services?: unknown };
    return Array.isArray(body.services)
      ? body.services.filter((name): name is string => typeof name === 'string').sort()
      : [];
  }

  /** The spans of up to `limit` traces of `service` that started in the window (none: an empty list). */
  async findSpans(service: string, sinceMillis: number, untilMillis: number, limit: number): Promise<CliSpan[]> {
    const query = new URLSearchParams({
      'query.service_name': service,
      'query.start_time_min': new Date(sinceMillis).toISOString(),
      'query.start_time_max': new Date(untilMillis).toISOString(),
      'query.num_traces': String(limit),
    });
    return this.spans(`${this.baseUrl}/api/v3/traces?${query.toString()}`);
  }

  /** Every span of one trace (none when Jaeger does not have it). */
  async trace(traceId: string): Promise<CliSpan[]> {
    return this.spans(`${this.baseUrl}/api/v3/traces/${encodeURIComponent(traceId)}`);
  }

  private async spans(url: string): Promise<CliSpan[]> {
    try {
      const body = (await getJson(url, this.timeoutMillis)) as { result?: unknown };
      return spansOf(body.result);
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return [];
      throw error;
    }
  }
}
