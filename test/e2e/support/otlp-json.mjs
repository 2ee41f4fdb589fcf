// Synthetic traces for the trace-storage tests and bench: OTLP/JSON requests built here and POSTed to an OTLP/HTTP
// receiver (/v1/traces), so a test knows every trace id it sent and can count them back out of the store.
import { randomBytes } from 'node:crypto';

/**
 * `count` traces of `spansPerTrace` spans each (a root and its children), all of service `service`, tagged with
 * `run` (attribute `test.run`) so a test can search exactly its own. Returns `{ traceIds, body }`; `body` is one
 * OTLP/JSON ExportTraceServiceRequest.
 *
 * @example
 *   const { traceIds, body } = makeTraces({ service: 'shop', run: 'r1', count: 50, spansPerTrace: 4 });
 *   await postTraces('http://127.0.0.1:14318', body);
 */
export function makeTraces({ service, run, count, spansPerTrace = 3, startNs = BigInt(Date.now()) * 1_000_000n }) {
  const traceIds = [];
  const spans = [];
  for (let t = 0; t < count; t++) {
    const traceId = randomBytes(16).toString('hex');
    traceIds.push(traceId);
    const rootId = randomBytes(8).toString('hex');
    const start = startNs + BigInt(t) * 1000n;
    for (let s = 0; s < spansPerTrace; s++) {
      spans.push({
        traceId,
        spanId: s === 0 ? rootId : randomBytes(8).toString('hex'),
        ...(s === 0 ? {} : { parentSpanId: rootId }),
        name: s === 0 ? 'invoke_agent support-agent' : `chat gpt-4o-mini #${s}`,
        kind: s === 0 ? 1 : 3,
        startTimeUnixNano: String(start + BigInt(s) * 1_000_000n),
        endTimeUnixNano: String(start + BigInt(s + 1) * 5_000_000n),
        attributes: [
          { key: 'test.run', value: { stringValue: run } },
          { key: 'test.trace_index', value: { intValue: String(t) } },
          { key: 'gen_ai.operation.name', value: { stringValue: s === 0 ? 'invoke_agent' : 'chat' } },
          { key: 'gen_ai.usage.input_tokens', value: { intValue: '120' } },
        ],
      });
    }
  }
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'genai-otel-scale-test' }, spans }],
      },
    ],
  };
  return { traceIds, body };
}

/** POSTs one OTLP/JSON request to `${base}/v1/traces`; throws with the receiver's answer unless it is a 2xx. */
export async function postTraces(base, body, { timeoutMs = 10_000 } = {}) {
  return postOtlp(base, 'traces', body, { timeoutMs });
}

/** POSTs one OTLP/JSON ExportMetricsServiceRequest to `${base}/v1/metrics`, as postTraces does for spans. */
export async function postMetrics(base, body, { timeoutMs = 10_000 } = {}) {
  return postOtlp(base, 'metrics', body, { timeoutMs });
}

async function postOtlp(base, signal, body, { timeoutMs }) {
  const res = await fetch(`${base}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} from ${base}/v1/${signal}: ${text.slice(0, 300)}`);
  return text;
}
