import type * as HttpModule from 'node:http';
import type * as HttpsModule from 'node:https';
import { promisify } from 'node:util';
import { nodeHttp, nodeHttps, nodeZlib } from '../core/loaders.ts';

/** What became of one POST. `retryable` covers everything a later attempt may fix: no connection, 429, 5xx, timeouts. */
export type SendOutcome =
  | { status: 'success'; body: Uint8Array }
  | { status: 'retryable'; reason: string; retryAfterMillis?: number; limitedRetries?: boolean }
  | { status: 'failure'; reason: string };

export interface SendOptions {
  url: string;
  contentType: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMillis: number;
}

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

function retryAfterMillis(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * POSTs one OTLP payload. Never rejects: every outcome, including a thrown error inside node:http, is a SendOutcome.
 *
 * @example
 * const outcome = await sendOtlp(bytes, { url: 'http://localhost:4318/v1/traces', contentType: 'application/x-protobuf', headers: {}, compression: 'none', timeoutMillis: 10000 });
 */
export async function sendOtlp(payload: Uint8Array, options: SendOptions): Promise<SendOutcome> {
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
      const settle = (outcome: SendOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = transport.request(url, { method: 'POST', headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => settle({ status: 'retryable', reason: `response: ${error.message}` }));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) settle({ status: 'success', body: Buffer.concat(chunks) });
          else if (RETRYABLE_STATUSES.has(status)) settle({ status: 'retryable', reason: `HTTP ${status}`, retryAfterMillis: retryAfterMillis(response.headers['retry-after']) });
          // The OTLP spec does not list 500 as retryable, but collectors and gateways answer it for passing faults too:
          // a few more attempts (from the spool), then the payload is dropped and counted.
          else if (status === 500) settle({ status: 'retryable', reason: 'HTTP 500', limitedRetries: true });
          else settle({ status: 'failure', reason: `HTTP ${status}` });
        });
      });
      const timer = setTimeout(() => {
        request.destroy(new Error('timeout'));
        settle({ status: 'retryable', reason: `no answer within ${options.timeoutMillis} ms` });
      }, options.timeoutMillis);
      timer.unref();
      request.on('error', (error: NodeJS.ErrnoException) => settle({ status: 'retryable', reason: error.code ?? error.message }));
      request.end(body);
    });
  } catch (error) {
    return { status: 'retryable', reason: error instanceof Error ? error.message : String(error) };
  }
}
