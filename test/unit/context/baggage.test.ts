// GENAI_OTEL_PROPAGATE_BAGGAGE=true: the ids travel to a downstream HTTP service in the W3C baggage header, next to the
// baggage already there, and the downstream service's spans get them from the incoming header.
process.env.GENAI_OTEL_PROPAGATE_BAGGAGE = 'true';

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextSpanProcessor } from '../../../src/context/processors.ts';
import { withContextBaggage } from '../../../src/context/sdk-wiring.ts';
import { getContext, setContext, withContext } from '../../../src/context/with-context.ts';
import { createPropagator } from '../../../src/sdk/propagators.ts';

const sdk = installMemorySdk({ spanProcessors: [new ContextSpanProcessor()] });
propagation.setGlobalPropagator(withContextBaggage(createPropagator(['tracecontext', 'baggage']), true)!);
const tracer = trace.getTracer('downstream-service');

let server: Server;
let url: string;
const received: IncomingHttpHeaders[] = [];
before(async () => {
  // The downstream service: extracts the incoming context as an HTTP instrumentation does, then works in it.
  server = createServer((req, res) => {
    received.push(req.headers);
    const incoming = propagation.extract(context.active(), req.headers);
    context.with(incoming, () => {
      tracer.startSpan(`downstream ${req.url}`).end();
      res.end(JSON.stringify(getContext()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(path: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  const response = await fetch(`${url}${path}`, { headers });
  return (await response.json()) as Record<string, unknown>;
}

test('the ids go out as baggage, keep the baggage already there, and the downstream spans carry them', async () => {
  const withTenant = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
  const seen = await context.with(withTenant, () =>
    withContext({ sessionId: 'sess-b', userId: 'user b/1', conversationId: 'conv-b' }, () => call('/first')),
  );
  const baggage = String(received.at(-1)?.baggage);
  assert.match(baggage, /tenant=acme/);
  assert.match(baggage, /session\.id=sess-b/);
  assert.match(baggage, /user\.id=user%20b%2F1/, 'values are percent-encoded');
  assert.match(baggage, /gen_ai\.conversation\.id=conv-b/);
  assert.equal(seen.sessionId, 'sess-b');
  assert.equal(seen.userId, 'user b/1');
  const downstream = sdk.span('downstream /first').attributes;
  assert.equal(downstream['session.id'], 'sess-b');
  assert.equal(downstream['user.id'], 'user b/1');
});

test('an id added by setContext reaches the next outgoing request', async () => {
  await withContext({ sessionId: 'sess-late' }, async () => {
    setContext({ userId: 'user-late' });
    await call('/second');
  });
  assert.equal(sdk.span('downstream /second').attributes['user.id'], 'user-late');
});

test('a local withContext wins over ids received as baggage', async () => {
  const incoming = propagation.extract(context.active(), { baggage: 'session.id=from-upstream,user.id=upstream-user' });
  context.with(incoming, () => withContext({ sessionId: 'local' }, () => tracer.startSpan('mixed').end()));
  assert.equal(sdk.span('mixed').attributes['session.id'], 'local');
  assert.equal(sdk.span('mixed').attributes['user.id'], 'upstream-user');
});
