// What redaction costs per LLM call, in one process: the same call (a realistic chat request: system instructions,
// six messages holding an e-mail, a phone and a card number, two tool definitions, a 500-character answer) traced
// with content off, and with content on and redacted. Each figure covers the call and the export of its span (and
// of its event, where there is one), because redaction runs in the exporter: the SDK's BatchSpanProcessor queues
// the spans, and a flush at the end of each round exports them through the redacting exporter into a no-op sink.
//
//   npm run bench:redaction            (BENCH_CALLS=2000 BENCH_ROUNDS=9 by default)
import { context, logs, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { resolveConfig } from '../src/config/resolve.ts';
import { withLLMCall } from '../src/genai/llm.ts';
import { resetGenAISettingsForTests } from '../src/config/genai-settings.ts';
import { RedactingLogRecordExporter } from '../src/privacy/log-exporter.ts';
import { createRedactor } from '../src/privacy/redactor.ts';
import { RedactingSpanExporter } from '../src/privacy/span-exporter.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

/** Exports into nothing, through redaction or not, and times the redaction step alone. */
class SwitchableSink implements SpanExporter, LogRecordExporter {
  redact = false;
  redactionMillis = 0;
  items = 0;
  private readonly spans: RedactingSpanExporter;
  private readonly logs: RedactingLogRecordExporter;

  constructor() {
    const redactor = createRedactor(resolveConfig({}).config.privacy);
    const sink = {
      export: (_items: unknown[], done: (result: ExportResult) => void) => done({ code: ExportResultCode.SUCCESS }),
      shutdown: async () => undefined,
      forceFlush: async () => undefined,
    };
    this.spans = new RedactingSpanExporter(sink, redactor);
    this.logs = new RedactingLogRecordExporter(sink, redactor);
  }

  export(items: (ReadableSpan | ReadableLogRecord)[], done: (result: ExportResult) => void): void {
    this.items += items.length;
    if (!this.redact) {
      done({ code: ExportResultCode.SUCCESS });
      return;
    }
    const start = performance.now();
    if ('spanContext' in (items[0] ?? {})) this.spans.export(items as ReadableSpan[], done);
    else this.logs.export(items as ReadableLogRecord[], done);
    this.redactionMillis += performance.now() - start;
  }

  shutdown = async (): Promise<void> => undefined;
  forceFlush = async (): Promise<void> => undefined;
}

const sink = new SwitchableSink();
const batch = { maxQueueSize: CALLS * 2, maxExportBatchSize: 512, scheduledDelayMillis: 3_600_000 };
const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: sink, ...batch })] });
const loggerProvider = new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: sink, ...batch })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(tracerProvider);
logs.setGlobalLoggerProvider(loggerProvider);

const filler =
  'Our returns policy allows exchanges within thirty days of delivery when the item is unused and in its box. ';
// Every call gets its own text (as real conversations do), so that no cache of repeated values flatters the figures.
const requestFor = (call: number) => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  temperature: 0.2,
  systemInstructions: `You are the support assistant of an online shop. ${filler.repeat(2)}`,
  messages: [
    { role: 'user', content: `Hi, I am Jane (jane.doe@example.com), message ${call}. ${filler}` },
    { role: 'assistant', content: `Hello Jane, how can I help? ${filler}` },
    { role: 'user', content: `My order ORD-2024-000123 arrived broken, call me on +44 20 7946 0958. ${filler}` },
    { role: 'assistant', content: `Sorry to hear that. ${filler}` },
    { role: 'user', content: `Refund it to the card 4111 1111 1111 1111 please. ${filler}` },
    { role: 'assistant', content: `Let me check the order (step ${call}).` },
  ],
  tools: [
    {
      type: 'function',
      name: 'lookup_order',
      description: 'Find an order by id',
      parameters: { type: 'object', properties: { id: { type: 'string' } } },
    },
    {
      type: 'function',
      name: 'refund',
      description: 'Refund an order',
      parameters: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'number' } } },
    },
  ],
});
const responseFor = (call: number) => ({
  object: 'chat.completion',
  id: 'chatcmpl-bench',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      message: {
        role: 'assistant',
        content: `I refunded order ORD-2024-000123 to your card ending 1111 (reply ${call}). ${filler.repeat(4)}`,
      },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 900, completion_tokens: 140 },
});

interface Scenario {
  name: string;
  mode: 'NO_CONTENT' | 'SPAN_ONLY' | 'SPAN_AND_EVENT';
  redact: boolean;
}

const scenarios: Scenario[] = [
  { name: 'content off, redaction off', mode: 'NO_CONTENT', redact: false },
  { name: 'content off, redaction on (default)', mode: 'NO_CONTENT', redact: true },
  { name: 'content on spans, redaction off', mode: 'SPAN_ONLY', redact: false },
  { name: 'content on spans, redaction on', mode: 'SPAN_ONLY', redact: true },
  { name: 'content on spans + event, redaction on', mode: 'SPAN_AND_EVENT', redact: true },
];

async function round(scenario: Scenario): Promise<{ perCall: number; redactionPerItem: number }> {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = scenario.mode;
  resetGenAISettingsForTests();
  sink.redact = scenario.redact;
  sink.redactionMillis = 0;
  sink.items = 0;
  const requests = Array.from({ length: CALLS }, (_, call) => [requestFor(call), responseFor(call)] as const);
  const start = performance.now();
  for (const [request, response] of requests) withLLMCall(request, () => response);
  await tracerProvider.forceFlush();
  await loggerProvider.forceFlush();
  const elapsed = performance.now() - start;
  return {
    perCall: (elapsed * 1000) / CALLS,
    redactionPerItem: sink.redact ? (sink.redactionMillis * 1000) / sink.items : 0,
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Warm-up, then interleaved rounds so that drift (JIT, GC, CPU frequency) spreads over every scenario alike.
for (const scenario of scenarios) await round(scenario);
const results = new Map(
  scenarios.map((scenario) => [scenario.name, { perCall: [] as number[], redaction: [] as number[] }]),
);
for (let index = 0; index < ROUNDS; index++) {
  for (const scenario of scenarios) {
    const { perCall, redactionPerItem } = await round(scenario);
    results.get(scenario.name)!.perCall.push(perCall);
    results.get(scenario.name)!.redaction.push(redactionPerItem);
  }
}

const perCall = (name: string) => median(results.get(name)!.perCall);
const baseline = perCall(scenarios[0]!.name);
console.log(
  `redaction benchmark: Node ${process.versions.node}, ${CALLS} calls x ${ROUNDS} rounds per scenario, medians`,
);
console.log('');
console.log(
  `${'scenario'.padEnd(42)}${'µs per call'.padStart(12)}${'vs content off'.padStart(16)}${'µs redacting per exported item'.padStart(34)}`,
);
for (const scenario of scenarios) {
  const figures = results.get(scenario.name)!;
  console.log(
    `${scenario.name.padEnd(42)}${perCall(scenario.name).toFixed(1).padStart(12)}${`${(perCall(scenario.name) / baseline).toFixed(2)}x`.padStart(16)}${(scenario.redact ? median(figures.redaction).toFixed(1) : '-').padStart(34)}`,
  );
}
console.log('');
console.log(
  `ratio, content on + redaction vs content off: ${(perCall('content on spans, redaction on') / baseline).toFixed(2)}x`,
);
console.log(
  `ratio, redaction on vs off with content on spans: ${(perCall('content on spans, redaction on') / perCall('content on spans, redaction off')).toFixed(2)}x`,
);
await tracerProvider.shutdown();
await loggerProvider.shutdown();
