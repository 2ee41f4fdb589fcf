// A collector (or something posing as one) that misbehaves: endless or trickling bodies, partial successes, answers
// no retry can change (401, 403, 413, a TLS certificate that is not trusted, a header HTTP does not allow). The
// exporter reads a bounded answer, decides success by the status line, counts what the collector rejected, never
// retries or spools what cannot succeed, splits what is too large, and says why in one line without a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { OtlpDelivery, type DeliveryOptions } from '../../../src/export/delivery.ts';
import { DurableSpanExporter, serializerFor } from '../../../src/export/durable-exporters.ts';
import { encodeTraceExportRequest } from '../../../src/export/trace-encoder.ts';
import { sendOtlp } from '../../../src/export/http-sender.ts';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { closedPort } from '../../support/ports.ts';
import { spooledPayloads } from '../../support/spool-files.ts';

/** Every diagnostic line of this process, as the user would read them on stderr. */
const lines: string[] = [];
const collect = (message: string, ...args: unknown[]) => lines.push([message, ...args].join(' '));
diag.setLogger(
  { error: collect, warn: collect, info: collect, debug: () => undefined, verbose: () => undefined },
  DiagLogLevel.INFO,
);
const linesMatching = (pattern: RegExp): string[] => lines.filter((line) => pattern.test(line));

/** "A few kB": the most of an answer the exporter may keep, with room to spare. */
const FEW_KB = 64 * 1024;

interface Hostile {
  url: string;
  requests: number;
  /** Bytes of answer bodies the server managed to hand to the kernel before the client went away. */
  written: number;
  close(): Promise<void>;
}

/** A node:http server on loopback that reads each request, then lets `answer` misbehave. */
async function hostileServer(
  answer: (response: http.ServerResponse, state: Hostile) => void,
  server: http.Server | https.Server = http.createServer(),
  port = 0,
): Promise<Hostile> {
  const state: Hostile = { url: '', requests: 0, written: 0, close: async () => undefined };
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    request.resume();
    request.on('end', () => {
      state.requests++;
      answer(response, state);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const scheme = server instanceof https.Server ? 'https' : 'http';
  state.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** Writes `total` bytes as fast as the client takes them, counting what was written, until the client goes away. */
function stream(response: http.ServerResponse, state: Hostile, total: number): void {
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  const more = (): void => {
    while (state.written < total && !response.destroyed) {
      state.written += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', more);
    }
    if (!response.destroyed) response.end();
  };
  more();
}

function makeSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer(
    'hostile',
  );
  for (let index = 0; index < count; index++)
    tracer.startSpan('work', { attributes: { seq: index, pad: 'x'.repeat(200) } }).end();
  return memory.getFinishedSpans();
}

function delivery(
  url: string,
  extra: Partial<DeliveryOptions> & { headers?: Record<string, string>; timeoutMillis?: number } = {},
): { delivery: OtlpDelivery; spool: string } {
  const spool = mkdtempSync(join(tmpdir(), 'hostile-spool-'));
  const target = {
    url,
    headers: extra.headers ?? {},
    compression: 'none' as const,
    timeoutMillis: extra.timeoutMillis ?? 2000,
  };
  return {
    delivery: new OtlpDelivery({
      targets: { traces: target, logs: { ...target, url: url.replace('/v1/traces', '/v1/logs') } },
      spool: { directory: spool, maxBytes: 10_000_000 },
      initialBackoffMillis: 50,
      ...extra,
    }),
    spool,
  };
}

const spooledFiles = spooledPayloads;

for (const status of [200, 503]) {
  test(`an endless ${status} body: a few kB are read, the connection is closed, nothing more is buffered`, async () => {
    const total = 256 * 1024 * 1024;
    const server = await hostileServer((response, state) => {
      response.writeHead(status, { 'content-type': 'application/x-protobuf' });
      stream(response, state, total);
    });
    const outcome = await sendOtlp(new Uint8Array([1, 2, 3]), {
      url: server.url,
      contentType: 'application/x-protobuf',
      headers: {},
      compression: 'none',
      timeoutMillis: 20_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server notices the closed connection
    await server.close();
    assert.equal(outcome.status, status === 200 ? 'success' : 'retryable');
    if (outcome.status === 'success')
      assert.ok(outcome.body.byteLength <= FEW_KB, `kept ${outcome.body.byteLength} bytes`);
    // What the server wrote before the client closed is what the kernel's socket buffers hold, a small part of it all.
    assert.ok(server.written < total / 8, `the server wrote ${server.written} of ${total} bytes`);
  });
}

test('a 200 whose body trickles is a success: sent once, neither spooled nor sent again', async () => {
  const server = await hostileServer((response) => {
    response.writeHead(200, { 'content-type': 'application/x-protobuf' });
    const timer = setInterval(
      () => (response.destroyed ? clearInterval(timer) : response.write(Buffer.from([0x0a]))),
      100,
    );
  });
  const { delivery: sender, spool } = delivery(server.url, { timeoutMillis: 500 });
  const spans = makeSpans(5);
  const result = await sender.deliver('traces', 'protobuf', spans.length, encodeTraceExportRequest(spans));
  // Give a replay every chance to happen.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  sender.beginShutdown(Date.now() + 1000);
  await sender.shutdown();
  await server.close();
  assert.equal(result, 'sent');
  assert.equal(server.requests, 1, 'one request, no duplicate');
  const counts = sender.health().signals.traces;
  assert.equal(counts.exported, 5);
  assert.equal(counts.spooled, 0);
  assert.deepEqual(spooledFiles(spool), []);
});

for (const encoding of ['protobuf', 'json'] as const) {
  test(`a partial success in ${encoding}: the rejected items are counted apart, and its message is said once, made printable`, async () => {
    const receiver = await startOtlpReceiver();
    receiver.setBehaviour({ partialSuccess: { rejected: 3, errorMessage: `too old\u001b]0;owned\u0007 ${encoding}` } });
    const signal = encoding === 'protobuf' ? 'traces' : 'logs';
    const { delivery: sender } = delivery(receiver.endpoints.traces);
    const spans = makeSpans(10);
    const payload =
      encoding === 'protobuf' ? encodeTraceExportRequest(spans) : Buffer.from(JSON.stringify({ resourceLogs: [] }));
    assert.equal(await sender.deliver(signal, encoding, 10, payload), 'sent');
    assert.equal(await sender.deliver(signal, encoding, 10, payload), 'sent');
    await sender.shutdown();
    await receiver.close();
    const counts = sender.health().signals[signal];
    assert.equal(counts.rejected, 6);
    assert.equal(counts.exported, 14);
    const said = linesMatching(new RegExp(`accepted ${signal} only in part`));
    assert.equal(said.length, 1, lines.join('\n'));
    assert.match(said[0]!, /rejected 3 of 10/);
    assert.match(said[0]!, new RegExp(`too old.*owned.* ${encoding}`));
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u001f]/.test(said[0]!), `no control character in ${JSON.stringify(said[0])}`);
  });
}

test('401 with credentials in the URL: one line naming the cause and no secret, dropped and counted as permanent, never spooled nor retried', async () => {
  const server = await hostileServer((response) => {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end('{"code":16,"message":"bad token"}');
  });
  const url = server.url.replace('http://', 'http://user:hunter2@') + '?api_key=s3cr3t';
  const { delivery: sender, spool } = delivery(url, { headers: { authorization: 'Bearer tok-123' } });
  const spans = makeSpans(4);
  assert.equal(await sender.deliver('traces', 'protobuf', 4, encodeTraceExportRequest(spans)), 'dropped');
  assert.equal(await sender.deliver('traces', 'protobuf', 4, encodeTraceExportRequest(spans)), 'dropped');
  await new Promise((resolve) => setTimeout(resolve, 300)); // any replay would have happened
  sender.beginShutdown(Date.now() + 1000);
  await sender.shutdown();
  await server.close();
  assert.equal(server.requests, 2, 'each payload was tried once');
  assert.deepEqual(spooledFiles(spool), []);
  const counts = sender.health().signals.traces;
  assert.equal(counts.dropped, 8);
  assert.equal(counts.spooled, 0);
  assert.equal(counts.permanentErrors, 2);
  const said = linesMatching(/HTTP 401/);
  assert.equal(said.length, 1, lines.join('\n'));
  assert.match(said[0]!, /refused the credentials \(HTTP 401\)/);
  assert.match(said[0]!, /not retried/);
  for (const secret of ['hunter2', 's3cr3t', 'tok-123', 'api_key'])
    assert.ok(!lines.join('\n').includes(secret), `${secret} is never printed`);
});

test('a header value HTTP does not allow: named (not its value) in one line, dropped and counted, never spooled', async () => {
  const server = await hostileServer((response) => response.end());
  const { delivery: sender, spool } = delivery(server.url, { headers: { 'x-api-key': 'key-987\r\nx-evil: 1' } });
  assert.equal(await sender.deliver('traces', 'protobuf', 2, encodeTraceExportRequest(makeSpans(2))), 'dropped');
  sender.beginShutdown(Date.now() + 1000);
  await sender.shutdown();
  await server.close();
  assert.equal(server.requests, 0);
  assert.deepEqual(spooledFiles(spool), []);
  assert.equal(sender.health().signals.traces.permanentErrors, 1);
  const said = linesMatching(/x-api-key/);
  assert.equal(said.length, 1, lines.join('\n'));
  assert.match(said[0]!, /OTEL_EXPORTER_OTLP_HEADERS/);
  assert.ok(!lines.join('\n').includes('key-987'), 'the value is never printed');
});

function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const folder = mkdtempSync(join(tmpdir(), 'hostile-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(folder, 'key.pem'),
        '-out',
        join(folder, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(folder, 'key.pem'), 'utf8'), cert: readFileSync(join(folder, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  }
}

test('a spooled payload meets a TLS certificate that is not trusted: dropped and counted once, not put back in the spool', async (t) => {
  const tls = selfSignedCertificate();
  if (tls === undefined) return t.skip('needs the openssl command');
  // An earlier run spooled 3 spans while nothing listened at the address; the collector there now has a certificate
  // Node.js does not trust.
  const port = await closedPort();
  const url = `https://127.0.0.1:${port}/v1/traces`;
  const spool = mkdtempSync(join(tmpdir(), 'hostile-spool-'));
  const target = { traces: { url, headers: {}, compression: 'none' as const, timeoutMillis: 2000 } };
  const earlier = new OtlpDelivery({ targets: target, spool: { directory: spool, maxBytes: 10_000_000 } });
  assert.equal(await earlier.deliver('traces', 'protobuf', 3, encodeTraceExportRequest(makeSpans(3))), 'spooled');
  earlier.beginShutdown(Date.now() + 300);
  await earlier.shutdown();
  assert.equal(spooledFiles(spool).length, 1);
  const server = await hostileServer((response) => response.end(), https.createServer(tls), port);
  const sender = new OtlpDelivery({
    targets: target,
    spool: { directory: spool, maxBytes: 10_000_000 },
    initialBackoffMillis: 50,
  });
  await new Promise((resolve) => setTimeout(resolve, 800)); // the spool opens and replays, and would retry
  sender.beginShutdown(Date.now() + 1000);
  await sender.shutdown();
  await server.close();
  assert.deepEqual(spooledFiles(spool), [], 'not kept for another attempt');
  const counts = sender.health().signals.traces;
  assert.equal(counts.dropped, 3);
  assert.equal(counts.permanentErrors, 1, 'tried once');
  const said = linesMatching(/TLS certificate/);
  assert.equal(said.length, 1, lines.join('\n'));
  assert.match(said[0]!, /spooled traces.*DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED/);
});

for (const encoding of ['protobuf', 'json'] as const) {
  test(`413 in ${encoding}: the request is split and its halves sent, until they fit; nothing is lost`, async () => {
    const spans = makeSpans(40);
    // Room for about 12 spans per request.
    const whole = serializerFor<ReadableSpan[]>('traces', encoding).serializeRequest(spans)!.byteLength;
    const receiver = await startOtlpReceiver({ maxBodyBytes: Math.ceil((whole * 12) / 40) });
    const { delivery: sender } = delivery(receiver.endpoints.traces);
    const exporter = new DurableSpanExporter(encoding, sender, {
      maxRequestRecords: 40,
      maxOpenMillis: 60_000,
      chunkRecords: 5,
    });
    // In protobuf the handovers of 5 are assembled into one request of 40 (cut at handovers); in JSON a batch is a request.
    if (encoding === 'protobuf')
      for (let offset = 0; offset < spans.length; offset += 5)
        exporter.export(spans.slice(offset, offset + 5), () => undefined);
    else exporter.export(spans, () => undefined);
    await exporter.forceFlush();
    await sender.shutdown();
    const received = receiver.spans().map((span) => span.attributes.seq as number);
    const sizes = receiver
      .requests()
      .filter((request) => request.status === 200)
      .map((request) => request.itemCount);
    await receiver.close();
    assert.deepEqual(
      [...received].sort((a, b) => a - b),
      spans.map((_, index) => index),
      `received ${received.length} of 40`,
    );
    assert.ok(sizes.length >= 4 && sizes.every((size) => size! <= 12), `requests of ${sizes.join(', ')} spans`);
    const counts = sender.health().signals.traces;
    assert.equal(counts.exported, 40);
    assert.equal(counts.dropped, 0);
  });
}

test('a send begun before the shutdown, with a long timeout of its own, is cut at the shutdown deadline and spooled', async () => {
  const server = await hostileServer(() => undefined); // reads the request, never answers
  const timeoutMillis = 60_000;
  const { delivery: sender, spool } = delivery(server.url, { timeoutMillis });
  const started = Date.now();
  const delivered = sender.deliver('traces', 'protobuf', 2, encodeTraceExportRequest(makeSpans(2)));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const shutdownMillis = 800;
  sender.beginShutdown(Date.now() + shutdownMillis);
  const result = await delivered;
  const elapsed = Date.now() - started;
  await sender.shutdown();
  await server.close();
  assert.equal(result, 'spooled');
  assert.equal(spooledFiles(spool).length, 1);
  // Cut at the deadline, not at its own timeout (75 times longer).
  assert.ok(elapsed < timeoutMillis / 10, `gave up after ${elapsed} ms`);
});
