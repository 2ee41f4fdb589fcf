// The CLI a person runs to watch telemetry: it listens where asked and prints one line per request, saying how the
// request was answered and which spans it held.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

const cli = new URL('../src/cli.ts', import.meta.url).pathname;

const traceRequest = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'watched-app' } }] },
      scopeSpans: [
        {
          scope: { name: 'test' },
          spans: ['chat gpt-4o', 'chat gpt-4o', 'execute_tool search'].map((name, index) => ({
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: `00f067aa0ba902b${index}`,
            name,
            kind: 3,
            startTimeUnixNano: '1700000000000000000',
            endTimeUnixNano: '1700000001000000000',
          })),
        },
      ],
    },
  ],
};

test('prints the address it listens on, then one line per request with its outcome, service and span names', async (t) => {
  const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();

  const banner = String((await lines.next()).value);
  const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
  assert.ok(url, `no address in ${JSON.stringify(banner)}`);

  const accepted = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(traceRequest),
  });
  assert.equal(accepted.status, 200);
  assert.match(
    String((await lines.next()).value),
    /^POST \/v1\/traces json identity \d+ B → 200 accepted: 3 spans from watched-app \(chat gpt-4o ×2, execute_tool search\)$/,
  );

  const unknownPath = await fetch(`${url}/v1/profiles`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(unknownPath.status, 404);
  assert.match(
    String((await lines.next()).value),
    /^POST \/v1\/profiles json identity 2 B → 404 invalid: unknown path \/v1\/profiles$/,
  );

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, 'SIGTERM closes the receiver and exits cleanly');
});

test('refuses a port that is not a number, with a message naming the flag', async () => {
  const child = spawn(process.execPath, [cli, '--port', 'http'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(stderr, /--port must be an integer/);
});
