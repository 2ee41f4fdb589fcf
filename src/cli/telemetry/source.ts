// Where the CLI reads spans and log records: Jaeger's API when it answers (or is asked for), else the local files
// of the `file` exporter.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ATTR_SESSION_ID } from '../../attributes/names.ts';
import type { Progress } from '../render/progress.ts';
import { coverageNote, readLogFiles, readSpanFiles, signalFiles } from './files.ts';
import { JaegerClient } from './jaeger.ts';
import type { CliLog, CliSpan } from './otlp-json.ts';
import { printableUrl } from '../../config/printable.ts';
import { StoreSource, storeHasData } from './store-source.ts';

export type SourceChoice = 'auto' | 'jaeger' | 'files' | 'store';

export interface Query {
  sinceMillis: number;
  untilMillis: number;
  service?: string;
  /**
   * Most recent traces wanted (Jaeger is asked for this many per service); with `every`, the traces Jaeger is asked for
   * per query while every trace of the window is read, window by window.
   */
  limit: number;
  /** Read every trace of the window (report, sessions, export), not only the latest `limit` (traces). */
  every?: boolean;
  traceId?: string;
  /** The session as the user knows it, and as exported when ids are hashed (GENAI_OTEL_USER_ID_HMAC_KEY). */
  sessionIds?: string[];
}

export interface TelemetrySource {
  kind: 'jaeger' | 'files' | 'store';
  /** For people: `Jaeger at http://…` or `files in …`. */
  description: string;
  spans(query: Query, progress: Progress): Promise<CliSpan[]>;
  /** What the last reads could not cover (a limit reached, data rotated away), for people: printed on stderr. */
  readonly notes: string[];
  logs(query: Query, progress: Progress): Promise<CliLog[]>;
}

export interface SourceSettings {
  source: SourceChoice;
  jaegerUrl: string;
  fileDirectory: string;
  /** OTLP/JSON log files to read next to Jaeger (Jaeger keeps no logs), e.g. the bundled collector's. */
  logsFiles: string[];
}

/** Where `scripts/stack.sh` has the bundled collector write log records, relative to the repository. */
export const STACK_LOGS_FILE = join('.stack', 'run', 'collector', 'logs', 'genai-logs.jsonl');

/** Keeps whole traces that have a span of the session (sessions span traces; a trace belongs if any span says so). */
export function tracesOfSession(spans: readonly CliSpan[], sessionIds: readonly string[]): CliSpan[] {
  const traceIds = new Set(
    spans.filter((span) => sessionIds.includes(span.attributes[ATTR_SESSION_ID] as string)).map((span) => span.traceId),
  );
  return spans.filter((span) => traceIds.has(span.traceId));
}

function byQuery(spans: CliSpan[], query: Query): CliSpan[] {
  let kept = spans;
  if (query.service !== undefined) {
    const traceIds = new Set(kept.filter((span) => span.serviceName === query.service).map((span) => span.traceId));
    kept = kept.filter((span) => traceIds.has(span.traceId));
  }
  if (query.traceId !== undefined) kept = kept.filter((span) => span.traceId === query.traceId);
  if (query.sessionIds !== undefined) kept = tracesOfSession(kept, query.sessionIds);
  return kept;
}

class FileSource implements TelemetrySource {
  readonly kind = 'files';
  readonly notes: string[] = [];
  readonly description: string;
  private readonly directory: string;
  private readonly logsFiles: string[];

  constructor(directory: string, logsFiles: string[]) {
    this.directory = resolve(directory);
    this.logsFiles = logsFiles;
    this.description = `files in ${this.directory}`;
  }

  async spans(query: Query, progress: Progress): Promise<CliSpan[]> {
    const since = query.traceId === undefined ? query.sinceMillis : 0;
    const paths = signalFiles(this.directory, 'traces');
    let earliest: number | undefined;
    const spans = await readSpanFiles(paths, since, progress, (first) => (earliest = first));
    const note = query.traceId === undefined ? coverageNote(paths, earliest, since, Date.now()) : undefined;
    if (note !== undefined) this.notes.push(note);
    return byQuery(spans, query).filter((span) => span.startMillis <= query.untilMillis);
  }

  async logs(query: Query, progress: Progress): Promise<CliLog[]> {
    const logs = await readLogFiles(
      [...signalFiles(this.directory, 'logs'), ...this.logsFiles],
      query.sinceMillis,
      progress,
    );
    return logs.filter((log) => query.service === undefined || log.serviceName === query.service);
  }
}

class JaegerSource implements TelemetrySource {
  readonly kind = 'jaeger';
  readonly notes: string[] = [];
  readonly description: string;
  private readonly client: JaegerClient;
  private readonly logsFiles: string[];

  constructor(client: JaegerClient, logsFiles: string[]) {
    this.client = client;
    this.logsFiles = logsFiles;
    this.description = `Jaeger at ${printableUrl(client.baseUrl)}`;
  }

  async spans(query: Query, progress: Progress): Promise<CliSpan[]> {
    if (query.traceId !== undefined) return this.client.trace(query.traceId);
    const services =
      query.service !== undefined
        ? [query.service]
        : (await this.client.services()).filter((name) => !/^jaeger/.test(name));
    // A session is found among the recent traces: ask for more of them.
    const limit = query.sessionIds === undefined ? query.limit : Math.max(query.limit, 500);
    const spans: CliSpan[] = [];
    let done = 0;
    const width = Math.max(1, query.untilMillis - query.sinceMillis);
    for (const service of services) {
      done++;
      progress.update(`reading traces of ${service} from Jaeger (${done}/${services.length})`);
      if (query.every === true) {
        const read = await this.client.findAllSpans(
          service,
          query.sinceMillis,
          query.untilMillis,
          limit,
          (covered, count) =>
            progress.update(
              `reading traces of ${service} from Jaeger (${done}/${services.length}): ${Math.floor((covered / width) * 100)} % of the window, ${count} spans`,
            ),
        );
        for (const span of read.spans) spans.push(span);
        if (read.leftOut.length > 0)
          this.notes.push(
            `${service}: Jaeger returned its limit of ${limit} traces in ${read.leftOut.length} window(s) of ${read.leftOut
              .map((w) => `${new Date(w.sinceMillis).toISOString()}..${new Date(w.untilMillis).toISOString()}`)
              .slice(0, 3)
              .join(
                ', ',
              )}${read.leftOut.length > 3 ? ', …' : ''}: traces beyond it there were not read (raise --limit)`,
          );
      } else {
        const found = await this.client.findSpans(service, query.sinceMillis, query.untilMillis, limit);
        for (const span of found) spans.push(span);
      }
    }
    progress.done();
    // A trace spanning several services comes back once per service (and a trace on a window's edge in both windows).
    const unique = new Map(spans.map((span) => [`${span.traceId}/${span.spanId}`, span]));
    if (query.every === true)
      this.notes.push(
        `read ${unique.size} spans of ${new Set(spans.map((span) => span.traceId)).size} traces from ${this.description} (${services.length} services, at most ${limit} traces per query)`,
      );
    return byQuery([...unique.values()], query);
  }

  async logs(query: Query, progress: Progress): Promise<CliLog[]> {
    const logs = await readLogFiles(this.logsFiles, query.sinceMillis, progress);
    return logs.filter((log) => query.service === undefined || log.serviceName === query.service);
  }
}

/** Whether Jaeger's query API answers, within half a second. */
export async function jaegerAnswers(jaegerUrl: string): Promise<boolean> {
  try {
    await new JaegerClient(jaegerUrl, 500).services();
    return true;
  } catch {
    return false;
  }
}

/**
 * The source for `--source`: `auto` takes the local store when it holds spans (`telemetry.db` in the folder), else
 * Jaeger when it answers, else the local files. `--source store` with no store is an error.
 *
 * @example
 * const source = await openSource({ source: 'auto', jaegerUrl: 'http://localhost:16686', fileDirectory: '.genai-otel', logsFiles: [] });
 */
export async function openSource(settings: SourceSettings): Promise<TelemetrySource> {
  const logsFiles =
    settings.logsFiles.length > 0 ? settings.logsFiles : existsSync(STACK_LOGS_FILE) ? [STACK_LOGS_FILE] : [];
  if (settings.source === 'files') return new FileSource(settings.fileDirectory, settings.logsFiles);
  if (settings.source === 'store' || (settings.source === 'auto' && storeHasData(settings.fileDirectory))) {
    const store = StoreSource.open(settings.fileDirectory);
    if (store === undefined)
      throw new Error(`no local store in ${resolve(settings.fileDirectory)} (GENAI_OTEL_FILE_DIR, --dir)`);
    return store;
  }
  if (settings.source === 'jaeger' || (await jaegerAnswers(settings.jaegerUrl)))
    return new JaegerSource(new JaegerClient(settings.jaegerUrl), logsFiles);
  return new FileSource(settings.fileDirectory, settings.logsFiles);
}
