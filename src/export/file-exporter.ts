// The `file` exporter: each export request becomes one line of OTLP/JSON (the JSON encoding of an
// ExportTraceServiceRequest / ExportMetricsServiceRequest / ExportLogsServiceRequest) appended to
// `<dir>/<signal>.jsonl` — the same shape the Collector's file exporter writes, so one reader serves both.
import { fsPromises } from './fs-promises.ts';
import { basename, dirname, join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type {
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { serializerFor, type Serializer } from './durable-exporters.ts';
import type { SignalName } from './spool.ts';
import type { HealthCounters } from './health.ts';
import { appendOwnFile, privateFolder } from './private-files.ts';
import { writeFolderStatus } from './folder-status.ts';
import { LocalStore } from './local-store.ts';

const NEWLINE = 10;
/** Lines waiting in memory for the disk, at most (per file): beyond it new lines are dropped and counted. */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** One append writes at most this much (whole lines; a single longer line is written alone). */
const MAX_APPEND_BYTES = 4 * 1024 * 1024;
/** A rotated generation: `<signal>.<ms since epoch, 13 digits>-<pid>.jsonl`, unique among processes sharing the folder. */
const GENERATION = /^(traces|metrics|logs)\.(\d{13})-(\d+)\.jsonl$/;

/**
 * The rotated generations of a signal in `names` (a folder listing), oldest first: the legacy `<signal>.1.jsonl`, then
 * `<signal>.<ms>-<pid>.jsonl` by time of rotation.
 *
 * @example
 * rotatedGenerations(['traces.jsonl', 'traces.1765000000000-42.jsonl'], 'traces'); // ['traces.1765000000000-42.jsonl']
 */
export function rotatedGenerations(names: readonly string[], signal: SignalName): string[] {
  const rotated = names.filter((name) => GENERATION.exec(name)?.[1] === signal).sort();
  return names.includes(`${signal}.1.jsonl`) ? [`${signal}.1.jsonl`, ...rotated] : rotated;
}

/** What became of the lines of one file: accepted, written, and dropped (items, not lines). */
export interface FileCounts {
  written: number;
  dropped: number;
}

/**
 * One JSON-lines file, appended to in order. Lines are accepted at once into a buffer bounded by bytes
 * (MAX_PENDING_BYTES; over it they are dropped and counted) and written by one writer in large appends, so that a slow
 * disk never holds up the SDK's batch processor (whose queue would then drop spans). Each append is one write call on
 * an O_APPEND descriptor, so processes sharing the folder never interleave lines. Before rotating, the file's size is
 * read again (other processes append too); the full file is renamed to a name no other process uses, and the oldest
 * generations beyond `maxBytes` are deleted. The folder is made 0700 and must be this user's alone; files are 0600 and
 * never written through a link. Never rejects.
 */
export class JsonLinesFile {
  readonly path: string;
  readonly directory: string;
  private readonly signal: SignalName;
  private readonly maxBytes: number;
  private readonly maxPendingBytes: number;
  private pending: { line: Uint8Array; items: number }[] = [];
  private pendingBytes = 0;
  private writing: Promise<void> | undefined;
  private folderReady = false;
  readonly counts: FileCounts = { written: 0, dropped: 0 };

  constructor(directory: string, signal: SignalName, maxBytes: number, maxPendingBytes = MAX_PENDING_BYTES) {
    this.directory = directory;
    this.signal = signal;
    this.path = join(directory, `${signal}.jsonl`);
    this.maxBytes = maxBytes;
    this.maxPendingBytes = maxPendingBytes;
  }

  /**
   * Accepts `line` (`items` spans, data points or log records) for writing; false when the buffer is full and the line
   * is dropped (counted). The line is written by the time flush() resolves, or counted as dropped.
   */
  offer(line: Uint8Array, items = 1): boolean {
    if (this.pendingBytes > 0 && this.pendingBytes + line.byteLength + 1 > this.maxPendingBytes) {
      this.counts.dropped += items;
      warnOnce(
        `file-full:${this.path}`,
        `${this.path}: lines arrive faster than the disk takes them (more than ${this.maxPendingBytes} bytes waiting); new ones are dropped and counted`,
      );
      return false;
    }
    this.pending.push({ line, items });
    this.pendingBytes += line.byteLength + 1;
    this.writing ??= this.writeAll().finally(() => {
      this.writing = undefined;
    });
    return true;
  }

  /** Appends `line`; resolves false when it could not be written (reported once). */
  async append(line: Uint8Array): Promise<boolean> {
    const dropped = this.counts.dropped;
    if (!this.offer(line)) return false;
    await this.flush();
    return this.counts.dropped === dropped;
  }

  /** Resolves once every line accepted so far is written (or dropped). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const taken = this.takeChunk();
      const bytes = Buffer.allocUnsafe(taken.reduce((sum, entry) => sum + entry.line.byteLength + 1, 0));
      let offset = 0;
      let items = 0;
      for (const entry of taken) {
        bytes.set(entry.line, offset);
        offset += entry.line.byteLength;
        bytes[offset++] = NEWLINE;
        items += entry.items;
      }
      this.pendingBytes -= bytes.byteLength;
      if (await this.write(bytes)) this.counts.written += items;
      else this.counts.dropped += items;
    }
  }

  /** Whole lines from the front of the buffer, up to MAX_APPEND_BYTES and the size cap (at least one line). */
  private takeChunk(): { line: Uint8Array; items: number }[] {
    const limit = Math.min(MAX_APPEND_BYTES, this.maxBytes);
    let bytes = 0;
    let count = 0;
    while (count < this.pending.length) {
      const size = this.pending[count]!.line.byteLength + 1;
      if (count > 0 && bytes + size > limit) break;
      bytes += size;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async write(bytes: Uint8Array): Promise<boolean> {
    try {
      if (!this.folderReady) {
        await privateFolder(dirname(this.directory), [basename(this.directory)], true);
        this.folderReady = true;
      }
      // Other processes append to the same file: its size is read now, not remembered.
      const size = await fsPromises()
        .lstat(this.path)
        .then(
          (info) => info.size,
          () => 0,
        );
      if (size > 0 && size + bytes.byteLength > this.maxBytes) await this.rotate();
      await appendOwnFile(this.path, bytes);
      return true;
    } catch (error) {
      errorOnce(
        `file-export:${this.path}`,
        `cannot write ${this.path} (GENAI_OTEL_FILE_DIR); telemetry for this file is dropped and counted`,
        error,
      );
      this.folderReady = false;
      return false;
    }
  }

  /**
   * Renames the full file to a generation of its own (a second process rotating at the same moment renames the next
   * file, or finds none: nothing is overwritten), then deletes the oldest generations while they hold more than
   * `maxBytes`.
   */
  private async rotate(): Promise<void> {
    const fs = fsPromises();
    const name = `${this.signal}.${String(Date.now()).padStart(13, '0')}-${process.pid}.jsonl`;
    await fs.rename(this.path, join(this.directory, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    const generations = rotatedGenerations(await fs.readdir(this.directory), this.signal);
    const sizes = await Promise.all(
      generations.map((generation) =>
        fs.lstat(join(this.directory, generation)).then(
          (info) => info.size,
          () => 0,
        ),
      ),
    );
    let kept = sizes.reduce((sum, size) => sum + size, 0);
    for (let index = 0; index < generations.length - 1 && kept > this.maxBytes; index++) {
      await fs.unlink(join(this.directory, generations[index]!)).catch(() => undefined);
      kept -= sizes[index]!;
    }
  }
}

/**
 * Writes this process's status file in `directory` (see folder-status.ts), with the state of the local store when
 * this process has one open in the same folder; `ended` at shutdown.
 */
async function writeFileStatus(directory: string, counters: HealthCounters, ended: boolean): Promise<void> {
  await writeFolderStatus(directory, counters, await LocalStore.inFolder(directory)?.status(), ended);
}

/** What the three exporters share: serialize with the official OTLP/JSON serializer, append one line. */
class FileExport<T> {
  private readonly file: JsonLinesFile;
  private readonly serializer: Serializer<T>;
  private readonly signal: SignalName;
  private readonly counters: HealthCounters | undefined;
  private reportedDrops = 0;
  /** Items the SDK handed to this exporter: what its processor's queue did not drop. */
  handed = 0;

  constructor(signal: SignalName, directory: string, maxBytes: number, counters?: HealthCounters) {
    this.signal = signal;
    this.file = new JsonLinesFile(directory, signal, maxBytes);
    this.serializer = serializerFor<T>(signal, 'json');
    this.counters = counters;
  }

  export(request: T, items: number, resultCallback: (result: ExportResult) => void): void {
    this.handed += items;
    const answer = (code: ExportResultCode) => {
      try {
        resultCallback({ code });
      } catch (error) {
        warnOnce(`file-callback:${this.signal}`, `the SDK's export callback threw: ${String(error)}`);
      }
    };
    let line: Uint8Array | undefined;
    try {
      line = this.serializer.serializeRequest(request);
    } catch (error) {
      errorOnce(
        `file-serialize:${this.signal}`,
        `could not serialize ${this.signal} for the file exporter; they are dropped`,
        error,
      );
    }
    if (line === undefined) {
      this.counters?.count(this.signal, 'dropped', items);
      answer(ExportResultCode.FAILED);
      return;
    }
    // Accepted at once: the SDK's processor goes on with its queue while the line waits for the disk.
    const accepted = this.file.offer(line, items);
    this.reconcile();
    answer(accepted ? ExportResultCode.SUCCESS : ExportResultCode.FAILED);
  }

  /** `ended`: the exporter shuts down, and the status file says the process ended. */
  async flush(ended = false): Promise<void> {
    await this.file.flush();
    this.reconcile();
    if (this.counters !== undefined) await writeFileStatus(this.file.directory, this.counters, ended);
  }

  /** Lines the file could not take (buffer full, disk error) go into the export health as dropped. */
  private reconcile(): void {
    const dropped = this.file.counts.dropped - this.reportedDrops;
    if (dropped <= 0) return;
    this.reportedDrops += dropped;
    this.counters?.count(this.signal, 'dropped', dropped);
  }
}

/**
 * Span exporter writing OTLP/JSON lines to `<directory>/traces.jsonl` (`OTEL_TRACES_EXPORTER=file`).
 *
 * @example
 * new BatchSpanProcessor({ exporter: new FileSpanExporter('.genai-otel', 64 * 1024 * 1024) });
 */
export class FileSpanExporter implements SpanExporter {
  private readonly core: FileExport<ReadableSpan[]>;

  /** `counters`: the export health, where spans the file could not take are counted as dropped. */
  constructor(directory: string, maxBytes: number, counters?: HealthCounters) {
    this.core = new FileExport('traces', directory, maxBytes, counters);
  }

  /** Spans handed to this exporter so far (see DropCountingSpanProcessor). */
  get handedSpans(): number {
    return this.core.handed;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(spans, spans.length, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.flush(true);
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}

/** Metric exporter writing OTLP/JSON lines to `<directory>/metrics.jsonl` (`OTEL_METRICS_EXPORTER=file`). */
export class FileMetricExporter implements PushMetricExporter {
  private readonly core: FileExport<ResourceMetrics>;
  private readonly temporalityOf: (instrumentType: InstrumentType) => AggregationTemporality;

  constructor(
    directory: string,
    maxBytes: number,
    temporalityOf: (instrumentType: InstrumentType) => AggregationTemporality,
    counters?: HealthCounters,
  ) {
    this.core = new FileExport('metrics', directory, maxBytes, counters);
    this.temporalityOf = temporalityOf;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const points = metrics.scopeMetrics.reduce(
      (sum, scope) => sum + scope.metrics.reduce((inner, metric) => inner + metric.dataPoints.length, 0),
      0,
    );
    this.core.export(metrics, points, resultCallback);
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporalityOf(instrumentType);
  }

  shutdown(): Promise<void> {
    return this.core.flush(true);
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}

/** Log record exporter writing OTLP/JSON lines to `<directory>/logs.jsonl` (`OTEL_LOGS_EXPORTER=file`). */
export class FileLogRecordExporter implements LogRecordExporter {
  private readonly core: FileExport<ReadableLogRecord[]>;

  constructor(directory: string, maxBytes: number, counters?: HealthCounters) {
    this.core = new FileExport('logs', directory, maxBytes, counters);
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(logs, logs.length, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.flush(true);
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}
