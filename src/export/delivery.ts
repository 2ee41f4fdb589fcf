import { debug, warnOnce } from '../core/diagnostics.ts';
import { HealthCounters, type ExportHealth } from './health.ts';
import { sendOtlp, type SendOptions, type SendOutcome } from './http-sender.ts';
import { readPartialSuccess } from './partial-success.ts';
import { Spool, spoolDestinations, type Encoding, type SignalName } from './spool.ts';
import { printableUrl } from '../config/printable.ts';

export interface SignalTarget {
  url: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
}

export interface DeliveryOptions {
  targets: Partial<Record<SignalName, SignalTarget>>;
  /**
   * Undefined: no spool; what cannot be sent is dropped and counted. `destination` (service and environment) and each
   * signal's URL name where spooled payloads may be replayed to; `privateFrom` as in SpoolOptions.
   */
  spool?: { directory: string; maxBytes: number; destination?: string; privateFrom?: string };
  /** First replay delay after a failure; doubles up to maxBackoffMillis, with ±20 % jitter. */
  initialBackoffMillis?: number;
  maxBackoffMillis?: number;
}

export type DeliveryResult = 'sent' | 'spooled' | 'dropped';

/**
 * A request that can be cut in two when the collector answers 413 (payload too large): each half is a request of its
 * own, which may be cut again. Undefined when it cannot be cut (one piece).
 */
export type Splitter = () => [RequestPart, RequestPart] | undefined;

export interface RequestPart {
  payload: Uint8Array;
  items: number;
  split?: Splitter;
}

/** The worse of two results of the parts of one request: a part dropped makes the request dropped. */
const worse = (a: DeliveryResult, b: DeliveryResult): DeliveryResult =>
  a === 'dropped' || b === 'dropped' ? 'dropped' : a === 'spooled' || b === 'spooled' ? 'spooled' : 'sent';

const CONTENT_TYPES: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };
/**
 * Payloads being sent at once. Beyond this, with a spool, new payloads wait on disk instead of in memory: a slow
 * collector neither fills the SDK's queue (which would drop spans) nor the heap.
 */
const MAX_CONCURRENT_SENDS = 4;
/** Attempts, the first included, at a payload the collector answers with HTTP 500 (not retryable per the spec). */
const MAX_ATTEMPTS_ON_SERVER_ERROR = 4;
/** Time kept back from the shutdown deadline to write a failed payload to the spool. */
const SPOOL_WRITE_MARGIN_MILLIS = 250;
/** Connection errors that mean no collector is at the address (as opposed to one that is there and misbehaves). */
const NOBODY_LISTENING = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Gets OTLP payloads to the collector, or onto disk until it is back. While anything waits in the spool, new payloads
 * queue behind it so that the collector receives everything in order. Replays back off exponentially with jitter.
 * Memory stays bounded whatever the outage length: only payloads in flight are held.
 */
export class OtlpDelivery {
  readonly counters = new HealthCounters();
  private readonly targets: Partial<Record<SignalName, SignalTarget>>;
  private readonly spool: Spool | undefined;
  private readonly initialBackoffMillis: number;
  private readonly maxBackoffMillis: number;
  private backoffMillis: number;
  private replayTimer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Exporters that hold records for a request still being assembled: flush() has them send it first. */
  private readonly flushHooks: (() => void)[] = [];
  private sending = 0;
  /** Items handed to deliver() whose fate (sent, spooled, dropped) is not known yet. */
  private unsettled = 0;
  /** Attempts so far at spooled payloads that met HTTP 500, by spool entry name. */
  private readonly limitedAttempts = new Map<string, number>();
  private deadline: number | undefined;
  /** Aborted shortly before the shutdown deadline: sends still waiting for an answer give up, so that they are spooled. */
  private readonly shutdownAbort = new AbortController();
  /** Cuts the sends in flight at a bounded flush's deadline (see cutSendsAt); replaced once used. */
  private flushAbort = new AbortController();
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private shutdownPromise: Promise<void> | undefined;
  /** During the last drain at shutdown a failed replay ends the drain instead of scheduling another. */
  private finalDrain = false;
  private finalDrainPause = 100;

  constructor(options: DeliveryOptions) {
    this.targets = options.targets;
    this.initialBackoffMillis = options.initialBackoffMillis ?? 1000;
    this.maxBackoffMillis = options.maxBackoffMillis ?? 30000;
    this.backoffMillis = this.initialBackoffMillis;
    if (options.spool !== undefined) {
      const { destination, ...where } = options.spool;
      this.spool = new Spool(
        { ...where, destinations: spoolDestinations(this.targets, destination) },
        {
          dropped: (signal, items) => this.counters.count(signal, 'dropped', items),
        },
      );
      this.counters.health.spool.directory = options.spool.directory;
      // What an earlier run could not send goes out first. Looked for once the application has started, not in the
      // preload: reading the folder costs the start about a millisecond; shutdown() looks in any case.
      setImmediate(() => void this.openSpool()).unref();
    }
  }

  private async openSpool(): Promise<void> {
    const spool = this.spool!;
    const firstLook = !spool.isOpen;
    await spool.open();
    if (firstLook && spool.size.entries > 0 && !this.stopped) {
      debug(`found ${spool.size.entries} spooled payloads from an earlier run: replaying`);
      this.scheduleReplay(0);
    }
  }

  /** A snapshot of counts, spool size and collector reachability. */
  health(): ExportHealth {
    if (this.spool !== undefined) {
      this.counters.health.spool = {
        directory: this.spool.directory,
        ...this.spool.size,
        writable: this.spool.isWritable,
      };
    }
    return structuredClone(this.counters.health);
  }

  /** Whether payloads can wait on disk: then exporters need not wait for the network to answer the SDK. */
  get spools(): boolean {
    return this.spool !== undefined && this.spool.isWritable;
  }

  /** Items handed over whose fate is not known yet: being sent, or waiting to be written to the spool. */
  get unsettledItems(): number {
    return this.unsettled;
  }

  /**
   * Sends one payload now, or spools it (behind what already waits). `split` cuts it in two should the collector
   * answer 413. Never rejects.
   */
  deliver(
    signal: SignalName,
    encoding: Encoding,
    items: number,
    payload: Uint8Array,
    split?: Splitter,
  ): Promise<DeliveryResult> {
    this.unsettled += items;
    const work = this.deliverNow(signal, encoding, items, payload, split).catch((error: unknown) => {
      warnOnce('delivery:unexpected', `unexpected failure while exporting ${signal}: ${String(error)}`);
      this.counters.count(signal, 'dropped', items);
      return 'dropped' as const;
    });
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.unsettled -= items;
    });
    return work;
  }

  private async deliverNow(
    signal: SignalName,
    encoding: Encoding,
    items: number,
    payload: Uint8Array,
    split?: Splitter,
  ): Promise<DeliveryResult> {
    const target = this.targets[signal];
    if (target === undefined) {
      this.counters.count(signal, 'dropped', items);
      return 'dropped';
    }
    if (
      this.spool !== undefined &&
      !this.stopped &&
      (this.spool.size.entries > 0 || this.replaying !== undefined || this.sending >= MAX_CONCURRENT_SENDS)
    ) {
      return this.toSpool(signal, encoding, items, payload);
    }
    this.sending++;
    let outcome: SendOutcome;
    try {
      outcome = await sendOtlp(payload, this.sendOptions(target, encoding));
    } finally {
      this.sending--;
    }
    return this.afterSend(signal, encoding, items, payload, outcome, split);
  }

  private async afterSend(
    signal: SignalName,
    encoding: Encoding,
    items: number,
    payload: Uint8Array,
    outcome: SendOutcome,
    split: Splitter | undefined,
  ): Promise<DeliveryResult> {
    if (outcome.status === 'success') {
      this.counted(signal, encoding, items, outcome, 'exported');
      return 'sent';
    }
    if (outcome.status === 'permanent') {
      const halves = outcome.cause === 'too-large' ? split?.() : undefined;
      if (halves !== undefined) return this.deliverHalves(signal, encoding, payload.byteLength, halves);
      this.dropPermanently(signal, items, outcome, false);
      return 'dropped';
    }
    this.counters.error(signal, outcome.reason);
    // One line per collector, not per signal: traces, metrics and logs sent at once to an absent collector would
    // otherwise each say the same thing, or not, depending on which failure came back first.
    warnOnce(
      `delivery:retryable:${collectorOrigin(this.targets[signal]?.url) ?? signal}`,
      `the collector at ${printableUrl(this.targets[signal]?.url)} cannot take ${signal} now (${outcome.reason}); ${this.spool === undefined ? 'they are dropped (no spool)' : 'they wait in the spool and are sent once it answers again'}`,
    );
    if (this.spool === undefined) {
      this.counters.count(signal, 'dropped', items);
      return 'dropped';
    }
    if (outcome.retryAfterMillis !== undefined)
      this.backoffMillis = Math.max(this.backoffMillis, Math.min(outcome.retryAfterMillis, this.maxBackoffMillis));
    return this.toSpool(signal, encoding, items, payload);
  }

  /** Counts a 2xx: what the collector said it rejected (an OTLP partial success) apart from what it took. */
  private counted(
    signal: SignalName,
    encoding: Encoding,
    items: number,
    outcome: Extract<SendOutcome, { status: 'success' }>,
    taken: 'exported' | 'replayed',
  ): void {
    this.counters.reachable();
    const partial = readPartialSuccess(signal, outcome.body, outcome.contentType, encoding);
    const rejected = Math.min(partial?.rejected ?? 0, items);
    this.counters.count(signal, taken, items - rejected);
    if (partial === undefined) return;
    this.counters.count(signal, 'rejected', rejected);
    // As the official OTLP exporters do, but once: the collector says the same of every request that breaks its rule.
    warnOnce(
      `delivery:partial:${signal}`,
      `the collector at ${printableUrl(this.targets[signal]?.url)} accepted ${signal} only in part: it rejected ${rejected} of ${items}${partial.message === '' ? '' : ` ("${partial.message}")`}; rejected items are counted, not retried`,
    );
  }

  /** A 413 for a request that can be cut: each half goes on its own (and may be cut again), in order. */
  private async deliverHalves(
    signal: SignalName,
    encoding: Encoding,
    bytes: number,
    halves: [RequestPart, RequestPart],
  ): Promise<DeliveryResult> {
    this.counters.error(signal, 'HTTP 413');
    warnOnce(
      `delivery:split:${signal}`,
      `the collector at ${printableUrl(this.targets[signal]?.url)} refused a request of ${bytes} bytes as too large (HTTP 413); such requests are sent again in halves (lower the batch size, or raise the collector's limit)`,
    );
    const first = await this.deliverNow(signal, encoding, halves[0].items, halves[0].payload, halves[0].split);
    const second = await this.deliverNow(signal, encoding, halves[1].items, halves[1].payload, halves[1].split);
    return worse(first, second);
  }

  /** A payload no retry can deliver: dropped and counted, never spooled, with one line naming the cause. */
  private dropPermanently(
    signal: SignalName,
    items: number,
    outcome: Extract<SendOutcome, { status: 'permanent' }>,
    spooled: boolean,
  ): void {
    this.counters.error(signal, outcome.reason, true);
    this.counters.count(signal, 'dropped', items);
    const what = spooled ? `spooled ${signal}` : signal;
    warnOnce(
      `delivery:permanent:${signal}:${outcome.reason}`,
      `${describePermanentError(printableUrl(this.targets[signal]?.url), what, outcome)}; they are dropped (and counted), not retried`,
    );
  }

  private async toSpool(
    signal: SignalName,
    encoding: Encoding,
    items: number,
    payload: Uint8Array,
  ): Promise<DeliveryResult> {
    const kept = await this.spool!.append(signal, encoding, items, payload);
    if (!kept) return 'dropped';
    this.counters.count(signal, 'spooled', items);
    this.scheduleStatusWrite();
    if (!this.stopped) this.scheduleReplay(this.backoffMillis);
    return 'spooled';
  }

  private sendOptions(target: SignalTarget, encoding: Encoding): SendOptions {
    let timeoutMillis = target.timeoutMillis;
    if (this.deadline !== undefined) {
      timeoutMillis = Math.max(50, Math.min(timeoutMillis, this.deadline - Date.now() - SPOOL_WRITE_MARGIN_MILLIS));
    }
    return {
      url: target.url,
      headers: target.headers,
      compression: target.compression,
      contentType: CONTENT_TYPES[encoding],
      timeoutMillis,
      signal: this.shutdownAbort.signal.aborted ? this.shutdownAbort.signal : this.flushAbort.signal,
      keepsProcessAlive: false,
    };
  }

  private scheduleReplay(delayMillis: number): void {
    if (this.replayTimer !== undefined || this.replaying !== undefined || this.stopped) return;
    const jittered = delayMillis * (0.8 + Math.random() * 0.4);
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      this.replaying = this.replay().finally(() => {
        this.replaying = undefined;
      });
    }, jittered);
    // A finished script must not stay alive for a replay: what is left replays at its next start.
    this.replayTimer.unref();
  }

  private async replay(): Promise<void> {
    const spool = this.spool!;
    for (;;) {
      if (this.stopped) return;
      if (this.deadline !== undefined && this.deadline - Date.now() <= SPOOL_WRITE_MARGIN_MILLIS) return;
      let claimed = await spool.claimOldest();
      if (claimed === undefined) {
        await spool.rescan();
        claimed = await spool.claimOldest();
        if (claimed === undefined) {
          this.backoffMillis = this.initialBackoffMillis;
          this.scheduleStatusWrite();
          return;
        }
      }
      const { entry, payload } = claimed;
      const target = this.targets[entry.signal];
      if (target === undefined) {
        await spool.release(entry);
        this.counters.count(entry.signal, 'dropped', entry.items);
        continue;
      }
      const outcome = await sendOtlp(payload, this.sendOptions(target, entry.encoding));
      if (outcome.status === 'success') {
        await spool.release(entry);
        this.counted(entry.signal, entry.encoding, entry.items, outcome, 'replayed');
        this.backoffMillis = this.initialBackoffMillis;
        continue;
      }
      if (outcome.status === 'permanent') {
        // A spooled payload is one piece: a 413 cannot be split here.
        this.dropPermanently(entry.signal, entry.items, outcome, true);
        await spool.release(entry);
        continue;
      }
      this.counters.error(entry.signal, outcome.reason);
      let giveUp = false;
      if (outcome.limitedRetries === true) {
        const attempts = (this.limitedAttempts.get(entry.name) ?? 1) + 1;
        giveUp = attempts >= MAX_ATTEMPTS_ON_SERVER_ERROR;
        if (giveUp) this.limitedAttempts.delete(entry.name);
        else this.limitedAttempts.set(entry.name, attempts);
      }
      if (giveUp) {
        warnOnce(
          `delivery:replay-rejected:${outcome.reason}`,
          `the collector rejected spooled ${entry.signal} (${outcome.reason}); they are dropped (and counted)`,
        );
        await spool.release(entry);
        this.counters.count(entry.signal, 'dropped', entry.items);
        continue;
      }
      await spool.putBack(entry);
      const retryAfter = outcome.retryAfterMillis;
      if (this.finalDrain) {
        // At shutdown: nobody listening at the address ends the drain at once, so a script exits at once; a collector
        // that is there but busy or flaky is tried again within the deadline. What is left replays at next start.
        if (NOBODY_LISTENING.has(outcome.reason)) return;
        const pause = Math.min(retryAfter ?? this.finalDrainPause, 2000);
        this.finalDrainPause = Math.min(this.finalDrainPause * 2, 1000);
        if (this.deadline === undefined || Date.now() + pause >= this.deadline - SPOOL_WRITE_MARGIN_MILLIS) return;
        await new Promise((resolve) => setTimeout(resolve, pause));
        continue;
      }
      this.backoffMillis = Math.min(this.maxBackoffMillis, Math.max(this.backoffMillis * 2, retryAfter ?? 0));
      // Scheduled after this replay run has returned (replaying is cleared in a finally).
      setImmediate(() => this.scheduleReplay(this.backoffMillis)).unref();
      return;
    }
  }

  /** From now on, sends give up in time to spool before `deadline` (epoch ms): shutdown must stay bounded. */
  beginShutdown(deadline: number): void {
    this.deadline = deadline;
    // Sends begun earlier keep their own (longer) timeout: they are cut at the same point as later ones.
    const abort = setTimeout(
      () => {
        this.shutdownAbort.abort();
        this.flushAbort.abort();
      },
      Math.max(0, deadline - Date.now() - SPOOL_WRITE_MARGIN_MILLIS),
    );
    abort.unref();
  }

  /**
   * For a flush bounded by `deadline` (epoch ms; a serverless invocation): sends still waiting for an answer shortly
   * before it give up, and their payloads go to the spool (or are dropped without one) before the deadline. Sends begun
   * after that are not affected. Returns a function that cancels the cut (the flush ended in time).
   */
  cutSendsAt(deadline: number): () => void {
    const controller = this.flushAbort;
    const remaining = deadline - Date.now();
    const margin = Math.min(SPOOL_WRITE_MARGIN_MILLIS, remaining / 2);
    const timer = setTimeout(
      () => {
        this.flushAbort = new AbortController();
        controller.abort();
      },
      Math.max(0, remaining - margin),
    );
    timer.unref();
    return () => clearTimeout(timer);
  }

  /** Makes flush() (and so shutdown()) first call `sendHeldRecords`, which hands over what an exporter still holds. */
  beforeFlush(sendHeldRecords: () => void): void {
    this.flushHooks.push(sendHeldRecords);
  }

  /** Waits until every payload handed over so far is sent, spooled or dropped. */
  async flush(): Promise<void> {
    for (const sendHeldRecords of this.flushHooks) {
      try {
        sendHeldRecords();
      } catch (error) {
        warnOnce('delivery:flush-hook', `could not hand over records held for export at a flush: ${String(error)}`);
      }
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Waits for payloads in flight (bounded by their own timeouts), gives the spool one last chance to drain before the
   * shutdown deadline if the collector answers, then stops and writes the status. What is left replays at next start.
   */
  async shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.flush();
      if (this.replayTimer !== undefined) clearTimeout(this.replayTimer);
      this.replayTimer = undefined;
      if (this.replaying !== undefined) await this.replaying;
      // A short script may end before the spool was looked at: an earlier run's payloads still get their chance.
      if (this.spool !== undefined) await this.spool.open();
      if (
        this.spool !== undefined &&
        this.spool.size.entries > 0 &&
        this.deadline !== undefined &&
        this.deadline - Date.now() > SPOOL_WRITE_MARGIN_MILLIS
      ) {
        this.finalDrain = true;
        await this.replay();
      }
      this.stopped = true;
      if (this.statusTimer !== undefined) clearTimeout(this.statusTimer);
      await this.writeStatus();
    })();
    return this.shutdownPromise;
  }

  private scheduleStatusWrite(): void {
    if (this.spool === undefined || this.statusTimer !== undefined) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      void this.writeStatus();
    }, 1000);
    this.statusTimer.unref();
  }

  /**
   * This process's status file in the spool directory, for `genai-otel doctor`; ended once the delivery stopped. Not
   * written by a process that had nothing to report (nothing exported, spooled or dropped, no error), which leaves no
   * folder behind either.
   */
  private async writeStatus(): Promise<void> {
    if (this.spool === undefined || !this.spool.isWritable) return;
    const health = this.health();
    if (!this.counters.anythingToReport) return;
    await this.spool.writeStatus(health, this.stopped);
  }
}

/**
 * One clause naming why `what` (e.g. "traces") cannot be delivered to `url` (already printable), for the diagnostic
 * line of a permanent error.
 */
function describePermanentError(
  url: string,
  what: string,
  outcome: Extract<SendOutcome, { status: 'permanent' }>,
): string {
  switch (outcome.cause) {
    case 'tls':
      return `could not export ${what}: the TLS certificate of ${url} was rejected (${outcome.reason}); trust its CA (NODE_EXTRA_CA_CERTS) or fix the endpoint`;
    case 'header':
      return `could not export ${what}: the ${outcome.reason.replace(/^invalid header /, 'header ')} configured for ${url} (OTEL_EXPORTER_OTLP_HEADERS) holds a character HTTP does not allow`;
    case 'url':
      return `could not export ${what}: ${url} is not an endpoint that can be posted to (${outcome.reason})`;
    case 'too-large':
      return `the collector at ${url} refused ${what} as too large (HTTP 413) and they cannot be split further: lower the batch size or raise the collector's limit`;
    case 'status':
      break;
  }
  const status = outcome.reason;
  if (status === 'HTTP 401')
    return `the collector at ${url} refused the credentials (HTTP 401) for ${what}: check OTEL_EXPORTER_OTLP_HEADERS`;
  if (status === 'HTTP 403')
    return `the collector at ${url} refused access (HTTP 403) for ${what}: check OTEL_EXPORTER_OTLP_HEADERS and its permissions`;
  if (status === 'HTTP 404')
    return `nothing at ${url} takes ${what} (HTTP 404): OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL, without /v1/<signal>`;
  if (status === 'HTTP 400') return `the collector at ${url} rejected ${what} as malformed (HTTP 400)`;
  return `the collector at ${url} rejected ${what} (${status})`;
}

/** The scheme, host and port a signal is sent to (the key of its unreachable-collector line), if it parses. */
function collectorOrigin(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
