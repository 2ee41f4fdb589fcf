// Reading Jaeger's /api/v3 within its limits: a local server speaking its wire format (OTLP/JSON traces, at most
// query.num_traces per answer, the most recent first) stands in for Jaeger. Every trace of the window is read window by
// window; what a limit still hides is said; a large answer does not overflow the stack; a slow answer is waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allSpans, openSource } from '../../../src/cli/telemetry/source.ts';
import { JaegerClient } from '../../../src/cli/telemetry/jaeger.ts';
import { missedTotalsNote } from '../../../src/cli/commands/report.ts';

interface FakeTrace {
  traceId: string;
  startMillis: number;
  spans: number;
}

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

function answer(traces: FakeTrace[]): unknown {
  return {
    result: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              scope: { name: 'fake' },
              spans: traces.flatMap((trace) =>
                Array.from({ length: trace.spans }, (_, index) => ({
                  traceId: trace.traceId,
                  spanId: hex(index + 1, 16),
                  name: 'chat gpt-4o',
                  kind: 3,
                  startTimeUnixNano: `${trace.startMillis}000000`,
                  endTimeUnixNano: `${trace.startMillis + 5}000000`,
                  attributes: [],
                  status: {},
                })),
              ),
            },
          ],
        },
      ],
    },
  };
}

/** A fake Jaeger holding `traces`; `delayMillis` before each answer. Counts the queries it answered. */
async function fakeJaeger(
  traces: FakeTrace[],
  delayMillis = 0,
): Promise<{ url: string; queries: () => number; server: Server }> {
  let queries = 0;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    setTimeout(() => {
      if (url.pathname === '/api/v3/services') {
        response.end(JSON.stringify({ services: ['svc'] }));
        return;
      }
      queries++;
      const since = Date.parse(url.searchParams.get('query.start_time_min')!);
      const until = Date.parse(url.searchParams.get('query.start_time_max')!);
      const limit = Number(url.searchParams.get('query.num_traces'));
      const found = traces
        .filter((trace) => trace.startMillis >= since && trace.startMillis <= until)
        .sort((a, b) => b.startMillis - a.startMillis)
        .slice(0, limit);
      response.end(JSON.stringify(answer(found)));
    }, delayMillis);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries: () => queries, server };
}

const HOUR = 3_600_000;
const silent = { update: () => undefined, done: () => undefined };

test('a window holding more traces than Jaeger answers per query is read whole, window by window', async () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const traces = Array.from({ length: 2500 }, (_, index) => ({
    traceId: hex(index + 1, 32),
    startMillis: start + Math.floor((index * HOUR) / 2500),
    spans: 2,
  }));
  const jaeger = await fakeJaeger(traces);
  const source = await openSource({ source: 'jaeger', jaegerUrl: jaeger.url, fileDirectory: '.', logsFiles: [] });
  const updates: string[] = [];
  const spans = await allSpans(
    source,
    { sinceMillis: start, untilMillis: start + HOUR, limit: 1000, every: true },
    {
      update: (phase, fraction, detail) => updates.push(`${phase} ${Math.round((fraction ?? 0) * 100)} % ${detail}`),
      done: () => undefined,
    },
  );
  jaeger.server.close();
  assert.equal(new Set(spans.map((span) => span.traceId)).size, 2500);
  assert.equal(spans.length, 5000);
  assert.ok(jaeger.queries() > 3, String(jaeger.queries()));
  assert.match(source.notes.join('\n'), /read 5000 spans of 2500 traces from Jaeger/);
  assert.doesNotMatch(source.notes.join('\n'), /not read/);
  assert.match(updates.at(-1)!, /^reading 100 % traces of svc from Jaeger \(1\/1\), 5000 spans$/);
});

test('traces beyond the limit within the narrowest window are said to be left out', async () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  // 30 traces in the same millisecond: no narrower window separates them.
  const traces = Array.from({ length: 30 }, (_, index) => ({
    traceId: hex(index + 1, 32),
    startMillis: start + 500,
    spans: 1,
  }));
  const jaeger = await fakeJaeger(traces);
  const source = await openSource({ source: 'jaeger', jaegerUrl: jaeger.url, fileDirectory: '.', logsFiles: [] });
  const spans = await allSpans(
    source,
    { sinceMillis: start, untilMillis: start + HOUR, limit: 10, every: true },
    silent,
  );
  jaeger.server.close();
  assert.equal(spans.length, 10);
  assert.match(source.notes.join('\n'), /svc: Jaeger returned its limit of 10 traces in 1 window\(s\) of .*not read/);
});

test('an answer of 200,000 spans is read without overflowing the stack', async () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const jaeger = await fakeJaeger([{ traceId: hex(7, 32), startMillis: start + 10, spans: 200_000 }]);
  const source = await openSource({ source: 'jaeger', jaegerUrl: jaeger.url, fileDirectory: '.', logsFiles: [] });
  const spans = await allSpans(source, { sinceMillis: start, untilMillis: start + HOUR, limit: 20 }, silent);
  jaeger.server.close();
  assert.equal(spans.length, 200_000);
});

test('a slow answer is waited for as long as GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS says, and a timeout is not "cannot reach"', async () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const jaeger = await fakeJaeger([{ traceId: hex(1, 32), startMillis: start + 10, spans: 1 }], 600);
  const previous = process.env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS;
  try {
    process.env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS = '5000';
    assert.equal((await new JaegerClient(jaeger.url).findSpans('svc', start, start + HOUR, 5)).length, 1);
    process.env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS = '100';
    await assert.rejects(new JaegerClient(jaeger.url).findSpans('svc', start, start + HOUR, 5), (error: Error) => {
      assert.match(error.message, /did not answer within 100 ms \(GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS\)/);
      return true;
    });
  } finally {
    if (previous === undefined) delete process.env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS;
    else process.env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS = previous;
    jaeger.server.closeAllConnections();
    jaeger.server.close();
  }
});

test('report says its figures miss traces when Jaeger left some out, and points to the metrics for totals', async () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  const jaeger = await fakeJaeger(
    Array.from({ length: 30 }, (_, index) => ({ traceId: hex(index + 1, 32), startMillis: start + 500, spans: 1 })),
  );
  const source = await openSource({ source: 'jaeger', jaegerUrl: jaeger.url, fileDirectory: '.', logsFiles: [] });
  assert.equal(missedTotalsNote(source), undefined);
  await allSpans(source, { sinceMillis: start, untilMillis: start + HOUR, limit: 10, every: true }, silent);
  jaeger.server.close();
  assert.match(missedTotalsNote(source) ?? '', /miss the traces Jaeger did not return: .*--source prometheus/);
  assert.equal(missedTotalsNote({ kind: 'files', notes: source.notes }), undefined);
});
