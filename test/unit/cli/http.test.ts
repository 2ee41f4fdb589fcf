// The CLI's Jaeger/Prometheus client reads a bounded answer: a server cannot fill its memory, and the error names the
// bound (GENAI_OTEL_CLI_MAX_RESPONSE_BYTES) and the URL without its query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getJson, HttpError } from '../../../src/cli/telemetry/http.ts';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('an answer larger than GENAI_OTEL_CLI_MAX_RESPONSE_BYTES is an error naming that bound; the rest is never read', async () => {
  const total = 256 * 1024 * 1024;
  let written = 0;
  const server = await serve((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    response.write('[');
    const more = (): void => {
      while (written < total && !response.destroyed) {
        written += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', more);
      }
      if (!response.destroyed) response.end(']');
    };
    more();
  });
  process.env.GENAI_OTEL_CLI_MAX_RESPONSE_BYTES = String(4 * 1024 * 1024);
  try {
    await assert.rejects(getJson(`${server.url}/api/v1/query?query=up`, 20_000), (error: Error) => {
      assert.match(error.message, /larger than 4194304 bytes \(GENAI_OTEL_CLI_MAX_RESPONSE_BYTES\)/);
      assert.ok(!error.message.includes('query=up'), error.message);
      return true;
    });
  } finally {
    delete process.env.GENAI_OTEL_CLI_MAX_RESPONSE_BYTES;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  await server.close();
  assert.ok(written < total / 8, `the server wrote ${written} of ${total} bytes`);
});

test('an error answer is read only in part, and its message names the URL without the query', async () => {
  const server = await serve((request, response) => {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('x'.repeat(1024 * 1024));
  });
  await assert.rejects(getJson(`${server.url}/api/v3/traces?token=abc`), (error: HttpError) => {
    assert.equal(error.status, 500);
    assert.ok(error.message.length < 400, `${error.message.length} characters`);
    assert.ok(!error.message.includes('token=abc'), error.message);
    return true;
  });
  await server.close();
});

test('a small answer is parsed as before', async () => {
  const server = await serve((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"data":[1,2,3]}');
  });
  assert.deepEqual(await getJson(`${server.url}/api/v3/services`), { data: [1, 2, 3] });
  await server.close();
});
