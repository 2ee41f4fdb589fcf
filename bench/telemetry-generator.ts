// Large local telemetry, shaped as genai-otel writes it: the `file` exporter's OTLP/JSON lines (traces.jsonl, and the
// feedback records in logs.jsonl), for the CLI's bench rows and its reference test. The JSON is written directly, not
// through the SDK, so that a million spans take seconds; test/unit/cli/telemetry-generator.test.ts checks that each
// kind of span has the names, kinds and attributes the package's own helpers give it.
//
//   node bench/telemetry-generator.ts <folder> [spans=1000000] [days=1] [seed=1]
//
// What a turn is (one trace, as the support agent example makes them): invoke_agent <agent> (INTERNAL) → search_memory
// (CLIENT) → 1–3 chat <model> calls (CLIENT, tokens and cost, some retried after a 429, a few failed) → 0–2
// execute_tool <tool> (INTERNAL, some failing, search_help_center with a retrieval child) → upsert_memory (CLIENT).
// Sessions of 1–8 turns by one user, several services, spread over `days` ending at `endMillis`; about one turn in
// five gets a like or a dislike, a third of those from another process (no session.id, only the span ids).
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface GeneratorOptions {
  directory: string;
  /** Spans to write, at least (the last session is finished). */
  spans: number;
  days?: number;
  /** The newest turn ends before this; default now. */
  endMillis?: number;
  seed?: number;
  /** Spans per line, as the SDK's batch processor exports them (maxExportBatchSize). */
  spansPerLine?: number;
}

export interface GeneratedTelemetry {
  spans: number;
  traces: number;
  sessions: number;
  feedback: number;
  lines: number;
  bytes: number;
  firstStartMillis: number;
  lastStartMillis: number;
}

/** mulberry32: a small seeded generator, so that a run can be made again exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['support-bot', 'sales-assistant', 'docs-helper', 'billing-agent'];
const MODELS = [
  { name: 'gpt-4o', response: 'gpt-4o-2024-08-06', input: 2.5e-6, cached: 1.25e-6, output: 10e-6 },
  { name: 'gpt-4o-mini', response: 'gpt-4o-mini-2024-07-18', input: 0.15e-6, cached: 0.075e-6, output: 0.6e-6 },
  { name: 'claude-sonnet-4', response: 'claude-sonnet-4-20250514', input: 3e-6, cached: 0.3e-6, output: 15e-6 },
];
const TOOLS = ['lookup_order', 'search_help_center', 'create_ticket', 'refund_payment'];

const str = (key: string, value: string) => `{"key":"${key}","value":{"stringValue":"${value}"}}`;
const int = (key: string, value: number) => `{"key":"${key}","value":{"intValue":${value}}}`;
const dbl = (key: string, value: number) => `{"key":"${key}","value":{"doubleValue":${value}}}`;

function resourceOf(service: string, index: number): string {
  return `{"attributes":[${[
    str('telemetry.distro.name', 'genai-otel'),
    str('telemetry.distro.version', '0.1.0'),
    str('service.name', service),
    str('service.instance.id', `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`),
    int('process.pid', 4000 + index),
    str('process.runtime.name', 'nodejs'),
    str('process.runtime.version', '24.11.0'),
    str('host.name', `app-${index}`),
    str('host.arch', 'amd64'),
    str('service.version', '1.4.2'),
    str('telemetry.sdk.language', 'nodejs'),
    str('telemetry.sdk.name', 'opentelemetry'),
    str('telemetry.sdk.version', '2.2.0'),
  ].join(',')}],"droppedAttributesCount":0}`;
}

interface PendingSpan {
  end: number;
  json: string;
  scope: 'genai-otel' | '@opentelemetry/instrumentation-openai';
}

/**
 * Writes `traces.jsonl` and `logs.jsonl` in `directory` and says what it wrote.
 *
 * @example
 * const made = await generateTelemetry({ directory: '/tmp/big', spans: 1_000_000, days: 1 });
 */
export async function generateTelemetry(options: GeneratorOptions): Promise<GeneratedTelemetry> {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const next = random(options.seed ?? 1);
  const hex = (digits: number) => {
    let text = '';
    while (text.length < digits)
      text += Math.floor(next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return text.slice(0, digits);
  };
  const endMillis = options.endMillis ?? Date.now();
  const days = options.days ?? 1;
  const spanMillis = days * 86_400_000;
  const perLine = options.spansPerLine ?? 512;
  const traces = createWriteStream(join(options.directory, 'traces.jsonl'), { mode: 0o600 });
  const logs = createWriteStream(join(options.directory, 'logs.jsonl'), { mode: 0o600 });
  const made: GeneratedTelemetry = {
    spans: 0,
    traces: 0,
    sessions: 0,
    feedback: 0,
    lines: 0,
    bytes: 0,
    firstStartMillis: Infinity,
    lastStartMillis: -Infinity,
  };
  // Sessions begin evenly over the window as the spans add up (a few run at once, so traces interleave in the lines);
  // the last ones end well before endMillis.
  const usable = spanMillis * 0.97;
  const resources = SERVICES.map(resourceOf);
  const buffers = SERVICES.map(() => [] as PendingSpan[]);
  let logText = '';
  let traceText = '';

  const flushLine = async (service: number, spans: PendingSpan[]) => {
    const byScope = new Map<string, string[]>();
    for (const span of spans) {
      const list = byScope.get(span.scope) ?? [];
      list.push(span.json);
      byScope.set(span.scope, list);
    }
    const scopes = [...byScope]
      .map(([name, list]) => `{"scope":{"name":"${name}","version":"0.1.0"},"spans":[${list.join(',')}]}`)
      .join(',');
    traceText += `{"resourceSpans":[{"resource":${resources[service]},"scopeSpans":[${scopes}]}]}\n`;
    made.lines++;
    if (traceText.length > 1 << 20) {
      made.bytes += Buffer.byteLength(traceText);
      if (!traces.write(traceText)) await once(traces, 'drain');
      traceText = '';
    }
  };

  for (let session = 0; made.spans < options.spans; session++) {
    made.sessions++;
    const service = session % SERVICES.length;
    const sessionId = `session-${hex(12)}`;
    const userId = `user-${Math.floor(next() * 5000)}`;
    let time = endMillis - spanMillis + (made.spans / options.spans) * usable + next() * 1000;
    const turns = 1 + Math.floor(next() * 8);
    const pending = buffers[service]!;
    for (let turn = 0; turn < turns && made.spans < options.spans; turn++) {
      const traceId = hex(32);
      const rootId = hex(16);
      const start = time;
      const context = `${str('session.id', sessionId)},${str('user.id', userId)}`;
      let clock = start + 1 + next() * 5;
      const spans: PendingSpan[] = [];
      const span = (
        name: string,
        kind: number,
        spanStart: number,
        spanEnd: number,
        attributes: string[],
        error?: string,
        parent = rootId,
        id = hex(16),
        scope: PendingSpan['scope'] = 'genai-otel',
      ) => {
        const nanos = (millis: number) =>
          `${Math.floor(millis)}${String(Math.floor((millis % 1) * 1e6)).padStart(6, '0')}`;
        spans.push({
          end: spanEnd,
          scope,
          json: `{"traceId":"${traceId}","spanId":"${id}"${parent === '' ? '' : `,"parentSpanId":"${parent}"`},"name":"${name}","kind":${kind},"startTimeUnixNano":"${nanos(spanStart)}","endTimeUnixNano":"${nanos(spanEnd)}","attributes":[${attributes.join(',')}],"droppedAttributesCount":0,"events":[],"droppedEventsCount":0,"status":{"code":${error === undefined ? 0 : 2}${error === undefined ? '' : `,"message":"${error}"`}},"links":[],"droppedLinksCount":0,"flags":257}`,
        });
        return id;
      };
      // Memory recall.
      const recall = 20 + next() * 120;
      span('search_memory', 3, clock, clock + recall, [
        str('gen_ai.operation.name', 'search_memory'),
        str('gen_ai.memory.store.id', 'customer-facts'),
        context,
        int('gen_ai.memory.record.count', Math.floor(next() * 4)),
      ]);
      clock += recall + 1;
      // LLM calls, then tools between them.
      const calls = 1 + Math.floor(next() * 3);
      for (let call = 0; call < calls; call++) {
        const model = MODELS[Math.floor(next() * (next() < 0.6 ? 2 : 3))]!;
        const input = 300 + Math.floor(next() * 3000);
        const cachedTokens = next() < 0.5 ? Math.min(input, 1024) : 0;
        const output = 5 + Math.floor(next() * 400);
        const cost = (input - cachedTokens) * model.input + cachedTokens * model.cached + output * model.output;
        const duration = 80 + next() * 2500 + output * 4;
        const retried = next() < 0.05;
        const failed = next() < 0.01;
        const attributes = [
          str('gen_ai.operation.name', 'chat'),
          str('gen_ai.request.model', model.name),
          str('server.address', 'api.openai.com'),
          int('server.port', 443),
          context,
          str('gen_ai.provider.name', 'openai'),
        ];
        if (failed) attributes.push(str('error.type', 'APIConnectionError'));
        else
          attributes.push(
            str('gen_ai.response.model', model.response),
            int('gen_ai.usage.input_tokens', input),
            int('gen_ai.usage.output_tokens', output),
            int('gen_ai.usage.cache_read.input_tokens', cachedTokens),
            dbl('genai_otel.cost.usd', cost),
          );
        if (retried) attributes.push(int('genai_otel.retry.count', 1), str('genai_otel.retry.reason', 'rate_limited'));
        if (next() < 0.3) attributes.push(dbl('gen_ai.response.time_to_first_chunk', Math.round(next() * 800) / 1000));
        span(
          `chat ${model.name}`,
          3,
          clock,
          clock + duration,
          attributes,
          failed ? 'Connection error.' : undefined,
          rootId,
          hex(16),
          '@opentelemetry/instrumentation-openai',
        );
        clock += duration + 1;
        if (call < calls - 1 || next() < 0.3) {
          const tool = TOOLS[Math.floor(next() * TOOLS.length)]!;
          const toolMillis = 2 + next() * 60;
          const toolFailed = next() < 0.03;
          const toolId = span(
            `execute_tool ${tool}`,
            1,
            clock,
            clock + toolMillis,
            [
              str('gen_ai.operation.name', 'execute_tool'),
              str('gen_ai.tool.name', tool),
              str('gen_ai.tool.call.id', `call_${hex(12)}`),
              str('gen_ai.tool.type', 'function'),
              str('gen_ai.agent.name', SERVICES[service]!),
              context,
              ...(toolFailed ? [str('error.type', 'TimeoutError')] : []),
            ],
            toolFailed ? 'tool timed out' : undefined,
          );
          if (tool === 'search_help_center')
            span(
              'retrieval help-center',
              3,
              clock + 0.2,
              clock + toolMillis - 0.2,
              [
                str('gen_ai.operation.name', 'retrieval'),
                str('gen_ai.data_source.id', 'help-center'),
                int('gen_ai.retrieval.top_k', 2),
                context,
              ],
              undefined,
              toolId,
            );
          clock += toolMillis + 1;
        }
      }
      const store = 10 + next() * 90;
      span('upsert_memory', 3, clock, clock + store, [
        str('gen_ai.operation.name', 'upsert_memory'),
        str('gen_ai.memory.store.id', 'customer-facts'),
        str('gen_ai.memory.record.id', userId),
        context,
      ]);
      clock += store + 1;
      span(
        `invoke_agent ${SERVICES[service]}`,
        1,
        start,
        clock,
        [
          str('gen_ai.operation.name', 'invoke_agent'),
          str('gen_ai.agent.name', SERVICES[service]!),
          str('gen_ai.request.model', 'gpt-4o'),
          context,
        ],
        undefined,
        '',
        rootId,
      );
      made.traces++;
      made.spans += spans.length;
      made.firstStartMillis = Math.min(made.firstStartMillis, start);
      made.lastStartMillis = Math.max(made.lastStartMillis, start);
      for (const item of spans) pending.push(item);
      if (next() < 0.2) {
        made.feedback++;
        const liked = next() < 0.7;
        const at = `${Math.floor(clock + 2000)}000000`;
        const withSession = next() < 0.67;
        logText += `{"resourceLogs":[{"resource":${resources[service]},"scopeLogs":[{"scope":{"name":"genai-otel","version":"0.1.0"},"logRecords":[{"timeUnixNano":"${at}","observedTimeUnixNano":"${at}","severityNumber":9,"severityText":"INFO","body":{},"eventName":"gen_ai.evaluation.result","attributes":[${[
          str('gen_ai.evaluation.name', 'user_feedback'),
          int('gen_ai.evaluation.score.value', liked ? 1 : 0),
          str('gen_ai.evaluation.score.label', liked ? 'liked' : 'disliked'),
          ...(withSession ? [context] : []),
        ].join(',')}],"droppedAttributesCount":0,"flags":1,"traceId":"${traceId}","spanId":"${rootId}"}]}]}]}\n`;
        if (logText.length > 1 << 20) {
          if (!logs.write(logText)) await once(logs, 'drain');
          logText = '';
        }
      }
      time = clock + 3000 + next() * 60_000;
      // The batch processor exports spans as they end: a line takes the earliest-ended spans once enough wait.
      if (pending.length >= perLine * 2) {
        pending.sort((a, b) => a.end - b.end);
        await flushLine(service, pending.splice(0, perLine));
      }
    }
  }
  for (const [service, pending] of buffers.entries()) {
    pending.sort((a, b) => a.end - b.end);
    while (pending.length > 0) await flushLine(service, pending.splice(0, perLine));
  }
  made.bytes += Buffer.byteLength(traceText);
  traces.end(traceText);
  logs.end(logText);
  await Promise.all([once(traces, 'finish'), once(logs, 'finish')]);
  return made;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [directory, spans = '1000000', days = '1', seed = '1'] = process.argv.slice(2);
  if (directory === undefined) {
    console.error('usage: node bench/telemetry-generator.ts <folder> [spans] [days] [seed]');
    process.exit(1);
  }
  const started = process.hrtime.bigint();
  const made = await generateTelemetry({ directory, spans: Number(spans), days: Number(days), seed: Number(seed) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ ...made, seconds: Number(seconds.toFixed(1)) }));
}
