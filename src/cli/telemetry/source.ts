// Where the CLI reads spans and log records: Jaeger's API when it answers (or is asked for), else the local files.
// Every read streams: the commands aggregate batch by batch and never hold a whole window's spans.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ATTR_SESSION_ID } from '../../attributes/names.ts';
import type { Progress } from '../render/progress.ts';
import { coverageNote, logBatchesOf, signalFiles } from './files.ts';
import { JaegerClient } from './jaeger.ts';
import { closeFiles, openFiles } from './line-reader.ts';
import type { CliLog, CliSpan } from './otlp-json.ts';
import { groupedTraces, indexTraceLines } from './trace-grouping.ts';
import type { TraceLineIndex } from './trace-index.ts';
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

/**
 * A place the CLI reads telemetry from (Jaeger, the local JSON-lines files, an embedded database). The contract every
 * source keeps, so that each command runs in memory bounded by what it shows, not by what was read:
 *
 * - `spanBatches(query)` yields the spans the query selects in batches of WHOLE traces: all the spans of a trace that
 *   the query selects come in one batch, never split across two, so a consumer can work out per-trace facts (the
 *   parent chain of an LLM call, a session's turns) batch by batch and let each batch go. Selection: spans that
 *   started in [sinceMillis, untilMillis] (a trace by id: any time); with `service`, traces having a span of that
 *   service; with `traceId`, that trace; with `sessionIds`, traces having a span whose session.id is one of them.
 *   Without `every`, a source may read only the latest `limit` traces (per service for Jaeger). Batches come in no
 *   promised order (the files: the order traces were written; a database may use any index order), the spans in a
 *   batch neither. A batch holds a few thousand spans (a larger trace comes alone). A trace seen twice (Jaeger
 *   returns a trace once per service) comes once.
 * - `logBatches(query)` yields the log records of the window (and service) in batches, in no promised order.
 * - `notes` collects, for people, what the reads could not cover (a limit reached, data rotated away); the commands
 *   print them on stderr after reading.
 * - `progress` hears the phase and how far it is ('scanning', 'reading'); a source calls `progress.done()` when its
 *   reading is over.
 *
 * `latestTraces()` (below) answers "the newest N traces" over `spanBatches` with a bounded heap; a source with an
 * index on trace start (a database) may answer it itself by implementing `latestTraces`.
 *
 * @example
 * for await (const batch of source.spanBatches({ sinceMillis, untilMillis, limit: 1000, every: true }, progress))
 *   report.addSpans(batch);
 */
export interface TelemetrySource {
  /** 'jaeger' | 'files', or another source's name. */
  readonly kind: string;
  /** For people: `Jaeger at http://…` or `files in …`. */
  readonly description: string;
  /** What the last reads could not cover (a limit reached, data rotated away), for people: printed on stderr. */
  readonly notes: string[];
  spanBatches(query: Query, progress: Progress): AsyncIterable<CliSpan[]>;
  logBatches(query: Query, progress: Progress): AsyncIterable<CliLog[]>;
  /** Optional: the newest `limit` traces (all of them with traceId or sessionIds); see latestTraces(). */
  latestTraces?(query: Query, progress: Progress): Promise<LatestTraces>;
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

/** The query's trace-level filters applied to one whole trace (undefined: left out). */
export function selectTrace(trace: CliSpan[], query: Query): CliSpan[] | undefined {
  if (query.service !== undefined && !trace.some((span) => span.serviceName === query.service)) return undefined;
  if (query.traceId !== undefined && trace[0]?.traceId !== query.traceId) return undefined;
  if (
    query.sessionIds !== undefined &&
    !trace.some((span) => query.sessionIds!.includes(span.attributes[ATTR_SESSION_ID] as string))
  )
    return undefined;
  const kept = trace.filter((span) => span.startMillis <= query.untilMillis);
  return kept.length > 0 ? kept : undefined;
}

/** Spans grouped by trace id, in the order each trace first appears. */
export function byTrace(spans: readonly CliSpan[]): CliSpan[][] {
  const traces = new Map<string, CliSpan[]>();
  for (const span of spans) {
    const trace = traces.get(span.traceId);
    if (trace === undefined) traces.set(span.traceId, [span]);
    else trace.push(span);
  }
  return [...traces.values()];
}

/** The newest traces and how many traces the query selected in all. */
export interface LatestTraces {
  /** Newest first (by their earliest span), each trace's spans in start order. */
  traces: CliSpan[][];
  total: number;
  /** The source counted `total` traces and stopped there: the query selects more (a store's `traces` stays fast). */
  more?: boolean;
}

const startOf = (trace: readonly CliSpan[]) =>
  trace.reduce((first, span) => Math.min(first, span.startMillis), Infinity);

/**
 * The `limit` newest traces of `batches` (all of them when limit is Infinity), holding no more than `limit` traces at
 * a time: a heap ordered oldest first, so the oldest kept is the one a newer trace replaces.
 *
 * @example
 * const { traces, total } = await latestOf(source.spanBatches(query, progress), 20);
 */
export async function latestOf(batches: AsyncIterable<CliSpan[]>, limit: number): Promise<LatestTraces> {
  type Entry = { start: number; order: number; spans: CliSpan[] };
  // Of two traces that started together, the one seen first ranks first (as a stable sort would have it).
  const older = (a: Entry, b: Entry) => a.start < b.start || (a.start === b.start && a.order > b.order);
  const heap: Entry[] = [];
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const siftDown = (from: number) => {
    for (let index = from; ;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let least = index;
      if (left < heap.length && older(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && older(heap[right]!, heap[least]!)) least = right;
      if (least === index) return;
      swap(index, least);
      index = least;
    }
  };
  let total = 0;
  for await (const batch of batches) {
    for (const spans of byTrace(batch)) {
      const entry = { start: startOf(spans), order: total++, spans };
      if (heap.length < limit) {
        heap.push(entry);
        for (let index = heap.length - 1; index > 0;) {
          const parent = (index - 1) >> 1;
          if (!older(heap[index]!, heap[parent]!)) break;
          swap(index, parent);
          index = parent;
        }
      } else if (heap.length > 0 && older(heap[0]!, entry)) {
        heap[0] = entry;
        siftDown(0);
      }
    }
  }
  const traces = heap
    .sort((a, b) => b.start - a.start || a.order - b.order)
    .map((entry) => entry.spans.sort((a, b) => a.startMillis - b.startMillis));
  return { traces, total };
}

/**
 * The newest `query.limit` traces of `source` (every matching trace when the query names a trace or sessions).
 *
 * @example
 * const { traces, total } = await latestTraces(source, { sinceMillis, untilMillis, limit: 20 }, progress);
 */
export function latestTraces(source: TelemetrySource, query: Query, progress: Progress): Promise<LatestTraces> {
  if (source.latestTraces !== undefined) return source.latestTraces(query, progress);
  const all = query.traceId !== undefined || query.sessionIds !== undefined;
  return latestOf(source.spanBatches(query, progress), all ? Infinity : query.limit);
}

/** Every span the query selects, in one list: for small reads and tests only (commands stream). */
export async function allSpans(source: TelemetrySource, query: Query, progress: Progress): Promise<CliSpan[]> {
  const spans: CliSpan[] = [];
  for await (const batch of source.spanBatches(query, progress)) for (const span of batch) spans.push(span);
  return spans;
}

/** Every log record the query selects, in one list: for small reads and tests only. */
export async function allLogs(source: TelemetrySource, query: Query, progress: Progress): Promise<CliLog[]> {
  const logs: CliLog[] = [];
  for await (const batch of source.logBatches(query, progress)) for (const log of batch) logs.push(log);
  return logs;
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

  async *spanBatches(query: Query, progress: Progress): AsyncGenerator<CliSpan[]> {
    const since = query.traceId === undefined ? query.sinceMillis : 0;
    const paths = signalFiles(this.directory, 'traces');
    const files = await openFiles(paths);
    let earliest = Infinity;
    let index: TraceLineIndex | undefined;
    try {
      index = await indexTraceLines(files, since, progress);
      earliest = index.earliestMillis;
      yield* groupedTraces(
        files,
        index,
        {
          sinceMillis: since,
          onStart: (start) => {
            if (start < earliest) earliest = start;
          },
          select: (trace) => selectTrace(trace, query),
        },
        progress,
      );
    } finally {
      // Before the command's own results grow (report sorts its percentile lists next): 24 MB for 1.2M traces.
      index?.release();
      await closeFiles(files);
      progress.done();
    }
    const note =
      query.traceId === undefined
        ? coverageNote(paths, earliest === Infinity ? undefined : earliest, since, Date.now())
        : undefined;
    if (note !== undefined) this.notes.push(note);
  }

  logBatches(query: Query, progress: Progress): AsyncIterable<CliLog[]> {
    return logBatchesOf([...signalFiles(this.directory, 'logs'), ...this.logsFiles], query, progress);
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

  async *spanBatches(query: Query, progress: Progress): AsyncGenerator<CliSpan[]> {
    if (query.traceId !== undefined) {
      const trace = selectTrace(await this.client.trace(query.traceId), { ...query, untilMillis: Infinity });
      if (trace !== undefined) yield trace;
      return;
    }
    const services =
      query.service !== undefined
        ? [query.service]
        : (await this.client.services()).filter((name) => !/^jaeger/.test(name));
    // A session is found among the recent traces: ask for more of them.
    const limit = query.sessionIds === undefined ? query.limit : Math.max(query.limit, 500);
    // A trace spanning several services comes back once per service (and a trace on a window's edge in both windows).
    const seen = new Set<string>();
    let spans = 0;
    const leftOut: string[] = [];
    const width = Math.max(1, query.untilMillis - query.sinceMillis);
    const fresh = function* (found: CliSpan[]): Generator<CliSpan[]> {
      const batch: CliSpan[] = [];
      for (const trace of byTrace(found)) {
        const traceId = trace[0]!.traceId;
        if (seen.has(traceId)) continue;
        seen.add(traceId);
        spans += trace.length;
        const kept = selectTrace(trace, query);
        if (kept !== undefined) for (const span of kept) batch.push(span);
      }
      if (batch.length > 0) yield batch;
    };
    for (const [index, service] of services.entries()) {
      const detail = `traces of ${service} from Jaeger (${index + 1}/${services.length})`;
      progress.update('reading', index / services.length, detail);
      if (query.every === true) {
        const windows = this.client.findAllSpanWindows(service, query.sinceMillis, query.untilMillis, limit);
        for await (const window of windows) {
          yield* fresh(window.spans);
          if (window.full)
            leftOut.push(
              `${new Date(window.sinceMillis).toISOString()}..${new Date(window.untilMillis).toISOString()}`,
            );
          progress.update('reading', (index + window.covered / width) / services.length, `${detail}, ${spans} spans`);
        }
        if (leftOut.length > 0)
          this.notes.push(
            `${service}: Jaeger returned its limit of ${limit} traces in ${leftOut.length} window(s) of ${leftOut
              .slice(0, 3)
              .join(', ')}${leftOut.length > 3 ? ', …' : ''}: traces beyond it there were not read (raise --limit)`,
          );
        leftOut.length = 0;
      } else {
        yield* fresh(await this.client.findSpans(service, query.sinceMillis, query.untilMillis, limit));
      }
    }
    progress.done();
    if (query.every === true)
      this.notes.push(
        `read ${spans} spans of ${seen.size} traces from ${this.description} (${services.length} services, at most ${limit} traces per query)`,
      );
  }

  logBatches(query: Query, progress: Progress): AsyncIterable<CliLog[]> {
    return logBatchesOf(this.logsFiles, query, progress);
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
 * Jaeger when it answers, else the local files. `--source store` without a store is an error.
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
