// Jaeger's stable query API (/api/v3): OTLP/JSON traces by service and time window, or by id. It has no attribute
// filter over HTTP, so a session is found by reading the service's recent traces.
import { getJson, HttpError, requestTimeoutMillis } from './http.ts';
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

  constructor(baseUrl: string, timeoutMillis = requestTimeoutMillis()) {
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

  /**
   * Every span of the traces of `service` that started in the window. Jaeger answers at most `pageTraces` traces per
   * query, so a window that comes back full is read again as two halves, down to `minWindowMillis`; a window still
   * full at that width is read as far as Jaeger goes and counted in `leftOut`. `onWindow` hears of each answer.
   *
   * @example
   * const { spans, leftOut } = await client.findAllSpans('checkout', since, until, 1000);
   */
  async findAllSpans(
    service: string,
    sinceMillis: number,
    untilMillis: number,
    pageTraces: number,
    onWindow: (doneMillis: number, spans: number) => void = () => undefined,
    minWindowMillis = 1000,
  ): Promise<{ spans: CliSpan[]; windows: number; leftOut: { sinceMillis: number; untilMillis: number }[] }> {
    const spans: CliSpan[] = [];
    const leftOut: { sinceMillis: number; untilMillis: number }[] = [];
    let windows = 0;
    for await (const window of this.findAllSpanWindows(
      service,
      sinceMillis,
      untilMillis,
      pageTraces,
      minWindowMillis,
    )) {
      windows++;
      if (window.full) leftOut.push({ sinceMillis: window.sinceMillis, untilMillis: window.untilMillis });
      for (const span of window.spans) spans.push(span);
      onWindow(window.covered, spans.length);
    }
    return { spans, windows, leftOut };
  }

  /**
   * The windows findAllSpans reads, oldest first, each with its spans as Jaeger returned them (whole traces), as they
   * arrive: a caller aggregates one window and lets it go. `full` marks a window Jaeger filled at the smallest width
   * (traces beyond its limit there were not read); `covered` is how much of the range is done, in milliseconds.
   * Windows that came back full and were split again are not yielded.
   *
   * @example
   * for await (const window of client.findAllSpanWindows('checkout', since, until, 1000)) report.addSpans(window.spans);
   */
  async *findAllSpanWindows(
    service: string,
    sinceMillis: number,
    untilMillis: number,
    pageTraces: number,
    minWindowMillis = 1000,
  ): AsyncGenerator<{ sinceMillis: number; untilMillis: number; spans: CliSpan[]; full: boolean; covered: number }> {
    let covered = 0;
    // Oldest first, one window at a time: a list of windows, never recursion over the data.
    const pending = [{ sinceMillis, untilMillis }];
    while (pending.length > 0) {
      const window = pending.shift()!;
      const found = await this.findSpans(service, window.sinceMillis, window.untilMillis, pageTraces);
      const traces = new Set(found.map((span) => span.traceId)).size;
      const width = window.untilMillis - window.sinceMillis;
      if (traces >= pageTraces && width > minWindowMillis) {
        const middle = window.sinceMillis + Math.floor(width / 2);
        pending.unshift(
          { sinceMillis: window.sinceMillis, untilMillis: middle },
          { sinceMillis: middle, untilMillis: window.untilMillis },
        );
        continue;
      }
      covered += width;
      yield { ...window, spans: found, full: traces >= pageTraces, covered };
    }
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
