import type * as HttpModule from 'node:http';
import type * as HttpsModule from 'node:https';
import { promisify } from 'node:util';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { nodeHttp, nodeHttps, nodeZlib } from '../core/loaders.ts';

/**
 * What became of one POST. `retryable` covers everything a later attempt may fix: no connection, 429, 502-504,
 * timeouts before the status line. `permanent` covers what no retry of the same payload can fix (see PermanentCause).
 */
export type SendOutcome =
  | { status: 'success'; body: Uint8Array; contentType: string | undefined }
  | { status: 'retryable'; reason: string; retryAfterMillis?: number; limitedRetries?: boolean }
  | { status: 'permanent'; reason: string; cause: PermanentCause };

/**
 * Why a payload can never be delivered as it is: the collector's TLS certificate is not trusted, a configured header
 * is not valid HTTP, the endpoint is not a usable URL, the payload is too large (413: smaller pieces may pass), or the
 * collector answered with a status the OTLP specification says not to retry (400, 401, 403, 404, ...).
 */
export type PermanentCause = 'tls' | 'header' | 'url' | 'too-large' | 'status';

export interface SendOptions {
  url: string;
  contentType: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
  /** Gives up at once when aborted (the shutdown deadline nears), as at the timeout: a retryable outcome. */
  signal?: AbortSignal;
  /**
   * False for exports in the background: the request then never keeps a finished app alive (whoever waits for it at
   * exit keeps the process alive, within a deadline). True (the default) for a caller that awaits the answer, such
   * as `genai-otel doctor`, whose process would otherwise end before it.
   */
  keepsProcessAlive?: boolean;
}

/**
 * The most of a response body that is read. An OTLP response is empty or a partial success with one message; an
 * error is a google.rpc.Status. Whatever a collector (or something posing as one) sends beyond this is not buffered:
 * the connection is closed.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024;

/**
 * How long a body may take once the status line has arrived. The outcome is decided by the status; the body only
 * carries a partial success, which a real collector sends at once. A receiver that trickles it is cut off.
 */
export const RESPONSE_BODY_GRACE_MILLIS = 1000;

interface Transport {
  module: typeof HttpModule | typeof HttpsModule;
  agent: HttpModule.Agent;
}

// Keep-alive agents: one connection setup per collector, not per batch. Idle sockets do not hold the process open.
// node:http and node:https load at the first export, not at start-up.
const transports: Partial<Record<'http:' | 'https:', Transport>> = {};

function transportFor(protocol: string): Transport {
  const key = protocol === 'https:' ? 'https:' : 'http:';
  let transport = transports[key];
  if (transport === undefined) {
    const module = key === 'https:' ? nodeHttps() : nodeHttp();
    transport = transports[key] = { module, agent: new module.Agent({ keepAlive: true, maxSockets: 4 }) };
  }
  return transport;
}

let gzipAsync: ((payload: Uint8Array) => Promise<Buffer>) | undefined;

/** Statuses the OTLP/HTTP specification says to retry. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** TLS failures that mean the collector's certificate is not trusted, or the endpoint does not speak TLS at all. */
const TLS_CERTIFICATE_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Errors node:http throws for a header it will not send: a name that is not a token, a value with control characters. */
const INVALID_HEADER_ERRORS = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE']);
const INVALID_URL_ERRORS = new Set(['ERR_INVALID_URL', 'ERR_INVALID_PROTOCOL', 'ERR_UNESCAPED_CHARACTERS']);

function retryAfterMillis(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The names of the headers whose value HTTP does not allow (never the values: they are often credentials). */
function invalidHeaderNames(headers: Record<string, string>): string[] {
  return Object.entries(headers)
    .filter(([name, value]) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[^\t\x20-\x7e\x80-\xff]/.test(value))
    .map(([name]) =>
      /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(name) ? name : '(a header name that is not a valid HTTP token)',
    );
}

/** The outcome of an error thrown or emitted before any answer: permanent when no retry can fix it. */
function outcomeOfError(error: unknown, headers: Record<string, string>): SendOutcome {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && TLS_CERTIFICATE_ERRORS.has(code))
    return { status: 'permanent', reason: code, cause: 'tls' };
  if (code !== undefined && INVALID_HEADER_ERRORS.has(code)) {
    return {
      status: 'permanent',
      reason: `invalid header ${invalidHeaderNames(headers).join(', ') || '(unknown)'}`,
      cause: 'header',
    };
  }
  if (code !== undefined && INVALID_URL_ERRORS.has(code)) return { status: 'permanent', reason: code, cause: 'url' };
  return { status: 'retryable', reason: code ?? (error instanceof Error ? error.message : String(error)) };
}

function outcomeOfStatus(response: HttpModule.IncomingMessage): SendOutcome | undefined {
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return undefined;
  if (RETRYABLE_STATUSES.has(status))
    return {
      status: 'retryable',
      reason: `HTTP ${status}`,
      retryAfterMillis: retryAfterMillis(response.headers['retry-after']),
    };
  // The OTLP spec does not list 500 as retryable, but collectors and gateways answer it for passing faults too:
  // a few more attempts (from the spool), then the payload is dropped and counted.
  if (status === 500) return { status: 'retryable', reason: 'HTTP 500', limitedRetries: true };
  if (status === 413) return { status: 'permanent', reason: 'HTTP 413', cause: 'too-large' };
  return { status: 'permanent', reason: `HTTP ${status}`, cause: 'status' };
}

/**
 * POSTs one OTLP payload. Never rejects: every outcome, including a thrown error inside node:http, is a SendOutcome.
 * The outcome is decided by the status line: a 2xx is a success whatever happens to its body, which is read up to
 * MAX_RESPONSE_BYTES within RESPONSE_BODY_GRACE_MILLIS (for a partial success) and otherwise cut off. The request is
 * never traced, whatever HTTP instrumentation the application runs.
 *
 * @example
 * const outcome = await sendOtlp(bytes, { url: 'http://localhost:4318/v1/traces', contentType: 'application/x-protobuf', headers: {}, compression: 'none', timeoutMillis: 10000 });
 */
export async function sendOtlp(payload: Uint8Array, options: SendOptions): Promise<SendOutcome> {
  // Our own export traffic never makes spans: an HTTP instrumentation of the app would trace every export and replay.
  // Taken now and applied where the request is made: after the await of gzip, the active context is only carried on
  // by a context manager, which another setup may lack.
  const untraced = suppressTracing(context.active());
  let body: Uint8Array = payload;
  const headers: Record<string, string> = { ...options.headers, 'content-type': options.contentType };
  try {
    if (options.compression === 'gzip') {
      gzipAsync ??= promisify(nodeZlib().gzip);
      body = await gzipAsync(payload);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);
    const url = new URL(options.url);
    const { module: transport, agent } = transportFor(url.protocol);
    return await new Promise<SendOutcome>((resolve) => {
      let settled = false;
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => giveUp('no answer before the shutdown deadline');
      const settle = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // The signal is shared by every send of the delivery: a listener left behind would pile up.
        options.signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const request = context.with(untraced, () =>
        transport.request(url, { method: 'POST', headers, agent }, (response) => {
          answered = true;
          clearTimeout(timer);
          // From the status line on, the outcome is known; the body has its own bound (readBounded).
          options.signal?.removeEventListener('abort', onAbort);
          const decided = outcomeOfStatus(response);
          if (decided === undefined) {
            readBounded(response, options.timeoutMillis, (responseBody) =>
              settle({ status: 'success', body: responseBody, contentType: response.headers['content-type'] }),
            );
          } else {
            settle(decided);
            // Drained (a small error body keeps the connection reusable) or cut off; never kept.
            readBounded(response, options.timeoutMillis, () => undefined);
          }
        }),
      );
      function giveUp(reason: string): void {
        request.destroy(new Error('timeout'));
        settle({ status: 'retryable', reason });
      }
      timer = setTimeout(() => giveUp(`no answer within ${options.timeoutMillis} ms`), options.timeoutMillis);
      timer.unref();
      // A send begun before the shutdown started has a timeout of its own that may outlast the deadline; its socket
      // would hold the process open until then.
      if (options.signal?.aborted === true) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      // A background export never keeps a finished app alive (up to its timeout): the app reaches its exit, whose
      // flush waits for it under its own deadline (sdk.ts keeps the process alive for that).
      if (options.keepsProcessAlive === false) request.on('socket', (socket) => socket.unref());
      request.on('error', (error: NodeJS.ErrnoException) => {
        // After the status line the outcome is known; an error while the body is read only ends the reading.
        if (!answered) settle(outcomeOfError(error, headers));
      });
      request.end(body);
    });
  } catch (error) {
    return outcomeOfError(error, headers);
  }
}

/**
 * Reads at most MAX_RESPONSE_BYTES of `response` within RESPONSE_BODY_GRACE_MILLIS (or the export timeout, if shorter:
 * at shutdown it is what is left before the deadline), then hands over what it has. A body that is larger or slower is
 * cut off by destroying the response (and its socket), never buffered.
 */
function readBounded(
  response: HttpModule.IncomingMessage,
  timeoutMillis: number,
  done: (body: Uint8Array) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(grace);
    done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  };
  const cutOff = () => {
    finish();
    response.destroy();
  };
  const grace = setTimeout(cutOff, Math.min(RESPONSE_BODY_GRACE_MILLIS, timeoutMillis));
  grace.unref();
  response.on('data', (chunk: Buffer) => {
    if (finished) return;
    const room = MAX_RESPONSE_BYTES - size;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      size = MAX_RESPONSE_BYTES;
      cutOff();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  response.on('end', finish);
  response.on('close', finish);
  response.on('error', finish);
}
