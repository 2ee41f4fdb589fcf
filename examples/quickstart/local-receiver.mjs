// A minimal OTLP/HTTP JSON receiver for the demo when no collector is running: it keeps what it receives in memory
// and prints the trace tree and a summary. (With the bundled stack up, the demo sends to the real collector instead.)
import { createServer } from 'node:http';

const anyValue = (value) => {
  if (value === undefined || value === null) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValue);
  return undefined;
};
const attributesOf = (list = []) => Object.fromEntries(list.map((item) => [item.key, anyValue(item.value)]));

export async function startLocalReceiver() {
  const spans = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        for (const resourceSpans of body.resourceSpans ?? []) {
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? []) {
              spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId || undefined,
                name: span.name,
                start: BigInt(span.startTimeUnixNano),
                end: BigInt(span.endTimeUnixNano),
                error: span.status?.code === 2,
                attributes: attributesOf(span.attributes),
              });
            }
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, spans, close: () => new Promise((resolve) => server.close(resolve)) };
}

function describe(span) {
  const a = span.attributes;
  const ms = Number(span.end - span.start) / 1e6;
  const details = [];
  if (a['gen_ai.usage.input_tokens'] !== undefined) details.push(`${a['gen_ai.usage.input_tokens']}→${a['gen_ai.usage.output_tokens']} tokens`);
  if (a['genai_otel.cost.usd'] !== undefined) details.push(`$${a['genai_otel.cost.usd'].toFixed(6)}`);
  if (a['gen_ai.response.time_to_first_chunk'] !== undefined) details.push(`first chunk ${(a['gen_ai.response.time_to_first_chunk'] * 1000).toFixed(0)} ms`);
  if (span.error) details.push(`ERROR ${a['error.type'] ?? ''}`.trim());
  return `${span.name}  ${ms.toFixed(1)} ms${details.length > 0 ? `  (${details.join(', ')})` : ''}`;
}

/** Prints the spans under `root` as an indented tree, children in start order. */
export function printTree(spans, root) {
  const children = new Map();
  for (const span of spans) {
    if (span.traceId !== root.traceId) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const walk = (span, prefix, last) => {
    console.log(`${prefix}${last ? '└─ ' : '├─ '}${describe(span)}`);
    const kids = (children.get(span.spanId) ?? []).sort((x, y) => (x.start < y.start ? -1 : 1));
    kids.forEach((kid, index) => walk(kid, `${prefix}${last ? '   ' : '│  '}`, index === kids.length - 1));
  };
  walk(root, '', true);
}

export function summarize(spans) {
  const llm = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
  const sum = (list, key) => list.reduce((total, span) => total + (span.attributes[key] ?? 0), 0);
  return {
    llmCalls: llm.length,
    inputTokens: sum(llm, 'gen_ai.usage.input_tokens'),
    outputTokens: sum(llm, 'gen_ai.usage.output_tokens'),
    costUsd: sum(llm, 'genai_otel.cost.usd'),
    toolCalls: tools.length,
    toolFailures: tools.filter((span) => span.error).length,
  };
}
