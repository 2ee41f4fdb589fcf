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
import { appendOwnFile, privateFolder } from './private-files.ts';

const NEWLINE = new Uint8Array([10]);

/**
 * One JSON-lines file, appended to in order. Writes are chained so lines never interleave within the process, and
 * each line is one append, so processes sharing the folder append whole lines. The folder is made 0700 and must be
 * this user's alone (not a link, not writable by others); the file is 0600 and never written through a link. Never
 * rejects.
 */
export class JsonLinesFile {
  readonly path: string;
  private readonly directory: string;
  private readonly maxBytes: number;
  private tail: Promise<void> = Promise.resolve();
  private size: number | undefined;

  constructor(directory: string, signal: SignalName, maxBytes: number) {
    this.directory = directory;
    this.path = join(directory, `${signal}.jsonl`);
    this.maxBytes = maxBytes;
  }

  /** Appends `line` and a newline; resolves false when the line could not be written (reported once). */
  append(line: Uint8Array): Promise<boolean> {
    const written = this.tail.then(() => this.write(line));
    this.tail = written.then(() => undefined);
    return written;
  }

  /** Resolves once every line appended so far is written. */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(line: Uint8Array): Promise<boolean> {
    try {
      if (this.size === undefined) {
        await privateFolder(dirname(this.directory), [basename(this.directory)], true);
        this.size = await fsPromises()
          .lstat(this.path)
          .then(
            (info) => info.size,
            () => 0,
          );
      }
      if (this.size > 0 && this.size + line.length + 1 > this.maxBytes) {
        // One backup is kept: the CLI reads it before the current file.
        await fsPromises().rename(this.path, this.path.replace(/\.jsonl$/, '.1.jsonl'));
        this.size = 0;
      }
      this.size = await appendOwnFile(this.path, Buffer.concat([line, NEWLINE]));
      return true;
    } catch (error) {
      errorOnce(
        `file-export:${this.path}`,
        `cannot write ${this.path} (GENAI_OTEL_FILE_DIR); telemetry for this file is dropped`,
        error,
      );
      this.size = undefined;
      return false;
    }
  }
}

/** What the three exporters share: serialize with the official OTLP/JSON serializer, append one line. */
class FileExport<T> {
  private readonly file: JsonLinesFile;
  private readonly serializer: Serializer<T>;
  private readonly signal: SignalName;

  constructor(signal: SignalName, directory: string, maxBytes: number) {
    this.signal = signal;
    this.file = new JsonLinesFile(directory, signal, maxBytes);
    this.serializer = serializerFor<T>(signal, 'json');
  }

  export(request: T, resultCallback: (result: ExportResult) => void): void {
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
      answer(ExportResultCode.FAILED);
      return;
    }
    void this.file.append(line).then((ok) => answer(ok ? ExportResultCode.SUCCESS : ExportResultCode.FAILED));
  }

  flush(): Promise<void> {
    return this.file.flush();
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

  constructor(directory: string, maxBytes: number) {
    this.core = new FileExport('traces', directory, maxBytes);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(spans, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.flush();
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
  ) {
    this.core = new FileExport('metrics', directory, maxBytes);
    this.temporalityOf = temporalityOf;
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.core.export(metrics, resultCallback);
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporalityOf(instrumentType);
  }

  shutdown(): Promise<void> {
    return this.core.flush();
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}

/** Log record exporter writing OTLP/JSON lines to `<directory>/logs.jsonl` (`OTEL_LOGS_EXPORTER=file`). */
export class FileLogRecordExporter implements LogRecordExporter {
  private readonly core: FileExport<ReadableLogRecord[]>;

  constructor(directory: string, maxBytes: number) {
    this.core = new FileExport('logs', directory, maxBytes);
  }

  export(logs: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.core.export(logs, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.core.flush();
  }

  forceFlush(): Promise<void> {
    return this.core.flush();
  }
}
