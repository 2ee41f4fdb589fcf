import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import type { DeliveryResult, OtlpDelivery, RequestPart, Splitter } from './delivery.ts';
import type { SignalName } from './spool.ts';

/**
 * How many spans (or log records) the SDK's batch processor hands the OTLP/protobuf exporter at a time. Small
 * handovers let records be encoded soon after they end, while they are still in the young generation of the heap:
 * records that wait for a full 2,048-record batch survive garbage collections and are copied into the old generation,
 * which cost more CPU than encoding them (see bench/README.md, row 4).
 */
export const ENCODE_CHUNK_RECORDS = 256;

/** Past this many accepted records waiting to be encoded (a burst that never yields), they are encoded at once. */
const MAX_PENDING_RECORDS = 4096;

export interface AssemblyOptions {
  /** The most records in one request: OTEL_BSP_MAX_EXPORT_BATCH_SIZE / OTEL_BLRP_MAX_EXPORT_BATCH_SIZE. */
  maxRequestRecords: number;
  /** An open request goes out at the latest this long after its first records were encoded (the schedule delay). */
  maxOpenMillis: number;
  /**
   * The processor's handover size. A smaller handover means its queue ran dry (its timer fired, or a flush): the
   * request goes out as soon as that handover is encoded.
   */
  chunkRecords: number;
}

/** What to do with records just before they are encoded (redaction); records it leaves out are not exported. */
export type Preparation<R> = (records: R[]) => R[];

/**
 * An exporter that can run a preparation (redaction) on its records later, just before encoding them, rather than
 * being handed prepared copies: RedactingSpanExporter and RedactingLogRecordExporter use it when it is there.
 */
export interface PreparingExporter<R> {
  exportPreparing(records: R[], prepare: Preparation<R>, resultCallback: (result: ExportResult) => void): void;
}

/** Whether `exporter` takes a preparation to run later (see PreparingExporter). */
export function isPreparingExporter<R>(exporter: object): exporter is PreparingExporter<R> {
  return typeof (exporter as Partial<PreparingExporter<R>>).exportPreparing === 'function';
}

interface OpenRequest {
  slices: Uint8Array[];
  /** Records in each slice. */
  sliceRecords: number[];
  records: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Turns the processor's small handovers into full OTLP/protobuf requests: each handover is prepared (redacted) and
 * encoded in the next turn of the event loop, off the call that ended the record, and the encoded pieces are
 * concatenated (repeated protobuf fields append, so the pieces of one request form one valid message) until the
 * request holds `maxRequestRecords`, the processor's queue ran dry, `maxOpenMillis` passed, or a flush asks.
 *
 * With a spool, a handover is accepted at once (whatever is encoded is safe: sent, or kept on disk). Without one the
 * processor's queue is the only buffer, so the answer to the handover that completes a request waits until that request
 * is delivered: a slow collector then slows the handovers and the queue drops (and counts) what does not fit.
 */
export class RequestAssembler<R> {
  private readonly signal: SignalName;
  private readonly delivery: OtlpDelivery;
  private readonly encode: (records: R[]) => Uint8Array | undefined;
  private readonly options: AssemblyOptions;
  private readonly pending: { records: R[]; prepare: Preparation<R> | undefined }[] = [];
  private pendingRecords = 0;
  private encodeScheduled = false;
  private closeWhenEncoded = false;
  private open: OpenRequest | undefined;

  constructor(
    signal: SignalName,
    delivery: OtlpDelivery,
    encode: (records: R[]) => Uint8Array | undefined,
    options: AssemblyOptions,
  ) {
    this.signal = signal;
    this.delivery = delivery;
    this.encode = encode;
    this.options = options;
    // flush() and shutdown() of the delivery first encode and send whatever is still here.
    delivery.beforeFlush(() => this.guarded(() => this.sendEverything()));
  }

  /** Takes a handover of the processor; `prepare` runs on it just before it is encoded. */
  accept(records: R[], prepare: Preparation<R> | undefined, resultCallback: (result: ExportResult) => void): void {
    this.delivery.counters.handedToExporter[this.signal] += records.length;
    this.pending.push({ records, prepare });
    this.pendingRecords += records.length;
    if (records.length < this.options.chunkRecords) this.closeWhenEncoded = true;
    if (this.delivery.spools) {
      answer(this.signal, resultCallback, ExportResultCode.SUCCESS);
      if (this.pendingRecords > MAX_PENDING_RECORDS) this.guarded(() => void this.encodePending());
      else this.scheduleEncode();
      return;
    }
    const delivered = this.encodePending();
    if (delivered === undefined) answer(this.signal, resultCallback, ExportResultCode.SUCCESS);
    else answerWhenDelivered(this.signal, delivered, resultCallback);
  }

  /** Encodes what waits and sends the open request, whatever its size. */
  sendEverything(): void {
    void this.encodePending();
    void this.closeOpen();
  }

  private scheduleEncode(): void {
    if (this.encodeScheduled) return;
    this.encodeScheduled = true;
    setImmediate(() => {
      this.encodeScheduled = false;
      this.guarded(() => void this.encodePending());
    });
  }

  /** Runs assembly work outside the exporter's own call (a timer, an immediate, a flush): whatever goes wrong is reported
   * and counted, never thrown at the application. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      const lost = this.pendingRecords + (this.open?.records ?? 0);
      this.pending.length = 0;
      this.pendingRecords = 0;
      if (this.open !== undefined) clearTimeout(this.open.timer);
      this.open = undefined;
      this.delivery.counters.count(this.signal, 'dropped', lost);
      errorOnce(
        `assemble:${this.signal}`,
        `could not prepare ${this.signal} for export; ${lost} were dropped (and counted)`,
        error,
      );
    }
  }

  /** Encodes every waiting handover, in order; returns the last delivery it started, if any. */
  private encodePending(): Promise<DeliveryResult> | undefined {
    let delivered: Promise<DeliveryResult> | undefined;
    while (this.pending.length > 0) {
      const { records, prepare } = this.pending.shift()!;
      this.pendingRecords -= records.length;
      const prepared = prepare === undefined ? records : prepare(records);
      // Left out by the preparation (a redaction that failed as a whole): not exported, so counted as dropped.
      if (prepared.length < records.length)
        this.delivery.counters.count(this.signal, 'dropped', records.length - prepared.length);
      for (let offset = 0; offset < prepared.length;) {
        const room = this.options.maxRequestRecords - (this.open?.records ?? 0);
        const piece = offset === 0 && prepared.length <= room ? prepared : prepared.slice(offset, offset + room);
        offset += piece.length;
        this.append(piece);
        if ((this.open?.records ?? 0) >= this.options.maxRequestRecords) delivered = this.closeOpen() ?? delivered;
      }
    }
    if (this.closeWhenEncoded) {
      this.closeWhenEncoded = false;
      delivered = this.closeOpen() ?? delivered;
    }
    return delivered;
  }

  private append(records: R[]): void {
    let bytes: Uint8Array | undefined;
    try {
      bytes = this.encode(records);
    } catch (error) {
      errorOnce(
        `encode:${this.signal}`,
        `could not encode ${this.signal} for export; they are dropped (and counted)`,
        error,
      );
    }
    if (bytes === undefined) {
      this.delivery.counters.count(this.signal, 'dropped', records.length);
      return;
    }
    if (this.open === undefined) {
      const timer = setTimeout(() => this.guarded(() => void this.closeOpen()), this.options.maxOpenMillis);
      // An open request never keeps the process alive: the exit flush sends it.
      timer.unref();
      this.open = { slices: [], sliceRecords: [], records: 0, timer };
    }
    this.open.slices.push(bytes);
    this.open.sliceRecords.push(records.length);
    this.open.records += records.length;
  }

  private closeOpen(): Promise<DeliveryResult> | undefined {
    const open = this.open;
    if (open === undefined) return undefined;
    this.open = undefined;
    clearTimeout(open.timer);
    const payload = open.slices.length === 1 ? open.slices[0]! : Buffer.concat(open.slices);
    const split = splitterAtSlices(
      payload,
      open.slices.map((slice) => slice.byteLength),
      open.sliceRecords,
    );
    // The request is sent from a timer or a flush too: never traced by an HTTP instrumentation of the application.
    return context.with(suppressTracing(context.active()), () =>
      this.delivery.deliver(this.signal, 'protobuf', open.records, payload, split),
    );
  }
}

/**
 * How an assembled request is cut when the collector answers 413: at the boundaries of its slices, each a whole
 * OTLP/protobuf message of its own (repeated fields concatenate), as views of the same bytes (no copy). A request of
 * one slice cannot be cut: its records were not kept after they were encoded.
 */
function splitterAtSlices(payload: Uint8Array, sliceBytes: number[], sliceRecords: number[]): Splitter | undefined {
  if (sliceBytes.length < 2) return undefined;
  const middle = Math.ceil(sliceBytes.length / 2);
  const cut = sliceBytes.slice(0, middle).reduce((total, bytes) => total + bytes, 0);
  const part = (from: number, to: number, bytes: number[], records: number[]): RequestPart => ({
    payload: payload.subarray(from, to),
    items: records.reduce((total, count) => total + count, 0),
    split: splitterAtSlices(payload.subarray(from, to), bytes, records),
  });
  return () => [
    part(0, cut, sliceBytes.slice(0, middle), sliceRecords.slice(0, middle)),
    part(cut, payload.byteLength, sliceBytes.slice(middle), sliceRecords.slice(middle)),
  ];
}

/**
 * Answers the SDK once a delivery has settled (without a spool, that wait is what slows the processor's handovers).
 * The answer is SUCCESS even for a payload the delivery dropped: that is counted (`dropped`) and reported once, in a
 * line naming the cause; FAILED would only make the SDK's processor print it again, as a JSON-encoded stack, at every
 * batch.
 *
 * @example
 * answerWhenDelivered('traces', delivery.deliver('traces', 'protobuf', spans.length, bytes), resultCallback);
 */
export function answerWhenDelivered(
  signal: SignalName,
  delivered: Promise<DeliveryResult>,
  resultCallback: (result: ExportResult) => void,
): void {
  void delivered.then(() => answer(signal, resultCallback, ExportResultCode.SUCCESS));
}

/** Answers the SDK; a callback that throws is reported, not passed on. */
export function answer(
  signal: SignalName,
  resultCallback: (result: ExportResult) => void,
  code: ExportResultCode,
): void {
  try {
    resultCallback({ code });
  } catch (error) {
    warnOnce(`callback:${signal}`, `the SDK's export callback threw: ${String(error)}`);
  }
}
