// Rows 2, 3 and 6, one case per process (argv[2]): a genai-otel helper against its baseline, in the same process,
// with the same SDK, alternating in rounds. Prints one JSON line: medians of ns per call and the checks made.
//
// The SDK is the one start() assembles, minus the network: a TracerProvider with a BatchSpanProcessor whose exporter
// discards, and a MeterProvider whose reader collects genai-otel's pre-bound metric series exactly as start() wires
// them (metricProducers + serveFromStore). Export work is left out on purpose: it is the same for both sides (same
// spans) and would only dilute the ratio; row 4 measures it.
import { trace, SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { resolveConfig } from '../../src/config/resolve.ts';
import { withLLMCall } from '../../src/genai/llm.ts';
import { createRedactor } from '../../src/privacy/redactor.ts';
import { RedactingSpanExporter } from '../../src/privacy/span-exporter.ts';
import { assembledBatches } from '../../src/sdk/pipelines.ts';
import { withMemoryOperation, withToolCall } from '../../src/genai/operations.ts';
import { loadPriceTable } from '../../src/genai/cost/price-table.ts';
import { DISCARD_SPANS, startInProcessSdk } from '../lib/in-process-sdk.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

// --- the SDK -------------------------------------------------------------------------------------------------------
const which = process.argv[2] ?? 'llm';
// Redaction runs in the exporter, as start() wires it (default privacy settings): the redaction case pays for it by
// flushing the batch processor at the end of every block, inside the timed part.
const redacting = which === 'redaction';
const spanExporter = redacting
  ? new RedactingSpanExporter(DISCARD_SPANS, createRedactor(resolveConfig({}).config.privacy))
  : DISCARD_SPANS;
// Batches as start() hands them to its OTLP/protobuf exporter: chunks of 256 spans (see assembledBatches).
const sdk = startInProcessSdk({
  spanExporter,
  batch: assembledBatches(
    { maxQueueSize: 65_536, maxExportBatchSize: 2048, scheduledDelayMillis: 200, exportTimeoutMillis: 30_000 },
    'protobuf',
  ).batch,
});
const tracer = trace.getTracer('bench-baseline');

// --- the cases -----------------------------------------------------------------------------------------------------
const completion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'It ships tomorrow.' } }],
  usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
};
const userCall = async () => completion;
// Rows 6a/6b: an answer that differs on every call, as real answers do (a constant one would be served from the
// redactor's cache of short values). Both sides call it, so both pay for making it. The part that varies is made of
// letters: like the messages, the answer holds no personal data (a long number would rightly make the digit rules
// look at it; bench:redaction measures text that holds some).
let answerNumber = 0;
const inLetters = (value: number): string =>
  value.toString(26).replace(/[0-9]/g, (digit) => String.fromCharCode(113 + Number(digit)));
const variedCall = async () => ({
  ...completion,
  choices: [
    {
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: `It ships tomorrow, see ticket ${inLetters(++answerNumber)}.` },
    },
  ],
});
const price = loadPriceTable(undefined).lookup('openai', 'gpt-4o-mini')!;
const request = {
  provider: 'openai',
  model: 'gpt-4o-mini',
  temperature: 0.2,
  maxTokens: 400,
  serverAddress: 'api.openai.com',
  serverPort: 443,
};
const requestAttributes: Attributes = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.request.temperature': 0.2,
  'gen_ai.request.max_tokens': 400,
  'server.address': 'api.openai.com',
  'server.port': 443,
};
// About 1 KB of messages, as a short support conversation.
const sentence = 'Where is my order 42? It was due on Tuesday and the tracking page shows nothing since Monday. ';
const messages = [
  { role: 'system', content: sentence.repeat(2) },
  { role: 'user', content: sentence.repeat(4) },
  { role: 'assistant', content: sentence.repeat(2) },
  { role: 'user', content: sentence.repeat(2) },
];

/** A hand-written span with the very attributes withLLMCall records, and no metrics. */
function bareLLMCall(): Promise<typeof completion> {
  return tracer.startActiveSpan(
    'chat gpt-4o-mini',
    { kind: SpanKind.CLIENT, attributes: requestAttributes },
    async (span: Span) => {
      try {
        const response = await userCall();
        span.setAttributes({
          'gen_ai.response.id': response.id,
          'gen_ai.response.model': response.model,
          'gen_ai.response.finish_reasons': response.choices.map((choice) => choice.finish_reason),
          'gen_ai.usage.input_tokens': response.usage.prompt_tokens,
          'gen_ai.usage.output_tokens': response.usage.completion_tokens,
          'genai_otel.cost.usd':
            (response.usage.prompt_tokens * price.input + response.usage.completion_tokens * price.output) / 1_000_000,
        });
        return response;
      } finally {
        span.end();
      }
    },
  );
}

function bareSpan(name: string, kind: SpanKind, attributes: Attributes): Promise<unknown> {
  return tracer.startActiveSpan(name, { kind, attributes }, async (span: Span) => {
    try {
      return await userCall();
    } finally {
      span.end();
    }
  });
}

type Call = () => Promise<unknown>;
const cases: Record<string, { ours: Call; baseline: Call; metric?: string; expectSameSpan: boolean }> = {
  llm: {
    ours: () => withLLMCall(request, userCall),
    baseline: bareLLMCall,
    metric: 'gen_ai.client.inference.duration',
    expectSameSpan: true,
  },
  tool: {
    ours: () => withToolCall({ name: 'lookup_order', callId: 'call_1' }, userCall),
    baseline: () =>
      bareSpan('execute_tool lookup_order', SpanKind.INTERNAL, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'lookup_order',
        'gen_ai.tool.call.id': 'call_1',
      }),
    metric: 'gen_ai.execute_tool.duration',
    expectSameSpan: true,
  },
  memory: {
    ours: () => withMemoryOperation({ operation: 'upsert', storeId: 'user-facts', recordId: 'colour' }, userCall),
    baseline: () =>
      bareSpan('upsert_memory', SpanKind.CLIENT, {
        'gen_ai.operation.name': 'upsert_memory',
        'gen_ai.memory.store.id': 'user-facts',
        'gen_ai.memory.record.id': 'colour',
      }),
    metric: 'genai_otel.memory.operation.duration',
    expectSameSpan: true,
  },
  // Row 6: the same withLLMCall with content capture on (1 KB of messages, output captured too) and off.
  content: {
    ours: () => withLLMCall({ ...request, messages, captureContent: true }, variedCall),
    baseline: () => withLLMCall({ ...request, messages, captureContent: false }, variedCall),
    expectSameSpan: false,
  },
  // Row 6b: content on and redacted on export, against the same call with content off (through the same exporter).
  redaction: {
    ours: () => withLLMCall({ ...request, messages, captureContent: true }, variedCall),
    baseline: () => withLLMCall({ ...request, messages, captureContent: false }, variedCall),
    expectSameSpan: false,
  },
};

async function timeBlock(name: string, call: Call): Promise<number> {
  sdk.sides.current = name;
  const started = process.hrtime.bigint();
  for (let index = 0; index < CALLS; index++) {
    await call();
    // A server gives the event loop a turn between requests; the batch processor exports then.
    if (index % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  if (redacting) await sdk.tracerProvider.forceFlush();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const chosen = cases[which];
if (chosen === undefined) throw new Error(`unknown case ${which}`);
await timeBlock('warm-up', chosen.baseline);
await timeBlock('warm-up', chosen.ours);
sdk.sides.spans.clear();
const ours: number[] = [];
const baseline: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first, so that neither always runs on a freshly collected heap.
  let oursNs: number;
  let baselineNs: number;
  if (round % 2 === 0) {
    oursNs = await timeBlock('ours', chosen.ours);
    baselineNs = await timeBlock('baseline', chosen.baseline);
  } else {
    baselineNs = await timeBlock('baseline', chosen.baseline);
    oursNs = await timeBlock('ours', chosen.ours);
  }
  ours.push(oursNs);
  baseline.push(baselineNs);
  ratios.push(oursNs / baselineNs);
}

// Checks: both sides made the same number of spans, with the same name, kind and attributes; the metric was recorded
// once per call of ours (and of the warm-up), never for the baseline.
const checks: string[] = [];
if (sdk.sides.spans.get('ours') !== sdk.sides.spans.get('baseline') || sdk.sides.spans.get('ours') !== CALLS * ROUNDS) {
  checks.push(`span counts differ: ours ${sdk.sides.spans.get('ours')}, baseline ${sdk.sides.spans.get('baseline')}`);
}
if (
  chosen.expectSameSpan &&
  JSON.stringify(sdk.sides.firstSpan.get('ours')) !== JSON.stringify(sdk.sides.firstSpan.get('baseline'))
) {
  checks.push(
    `spans differ: ours ${JSON.stringify(sdk.sides.firstSpan.get('ours'))} baseline ${JSON.stringify(sdk.sides.firstSpan.get('baseline'))}`,
  );
}
if (chosen.metric !== undefined) {
  const { resourceMetrics } = await sdk.reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((item) => item.descriptor.name === chosen.metric);
  const count = (metric?.dataPoints[0]?.value as { count?: number } | undefined)?.count;
  const expected = CALLS * (ROUNDS + 1);
  if (count !== expected) checks.push(`${chosen.metric} counted ${count} calls, expected ${expected}`);
}
console.log(
  JSON.stringify({
    case: which,
    calls: CALLS,
    rounds: ROUNDS,
    oursNs: median(ours),
    baselineNs: median(baseline),
    ratio: median(ratios),
    checks,
  }),
);
