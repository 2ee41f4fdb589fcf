// What sessions and logs cost per call: a span started inside withContext with and without the context processor,
// a typed event, a getLogger record (stdout off), a feedback record. Run: node bench/sessions.ts
import { context, logs, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ContextLogRecordProcessor, ContextSpanProcessor } from '../src/context/processors.ts';
import { withContext } from '../src/context/with-context.ts';
import { defineEvent } from '../src/events/define-event.ts';
import { recordFeedback } from '../src/feedback/record-feedback.ts';
import { getLogger } from '../src/logs/logger.ts';

process.env.GENAI_OTEL_LOGGER_STDOUT = 'false';
const N = 100_000;
const discard = {
  export: (_items: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
  shutdown: async () => {},
};
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

function nsPerCall(label: string, fn: () => void): number {
  for (let index = 0; index < N / 10; index++) fn(); // warm up
  const start = process.hrtime.bigint();
  for (let index = 0; index < N; index++) fn();
  const ns = Number(process.hrtime.bigint() - start) / N;
  console.log(`${label.padEnd(60)} ${ns.toFixed(0).padStart(7)} ns/call`);
  return ns;
}

const values = { sessionId: 'sess-1', userId: 'user-1', conversationId: 'conv-1', attributes: { 'app.plan': 'pro' } };
const plain = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: discard, maxQueueSize: 1000 })],
}).getTracer('bench');
const withProcessor = new TracerProvider({
  spanProcessors: [new ContextSpanProcessor(), new BatchSpanProcessor({ exporter: discard, maxQueueSize: 1000 })],
}).getTracer('bench');

withContext(values, () => {
  const base = nsPerCall('span start+end inside withContext, no context processor', () => plain.startSpan('op').end());
  const added = nsPerCall('span start+end inside withContext, ContextSpanProcessor', () =>
    withProcessor.startSpan('op').end(),
  );
  console.log(
    `${'  added by the processor (4 attributes)'.padEnd(60)} ${(added - base).toFixed(0).padStart(7)} ns/span`,
  );
});
nsPerCall('span start+end outside withContext, ContextSpanProcessor', () => withProcessor.startSpan('op').end());
nsPerCall('withContext(values, fn) around an empty fn', () => withContext(values, () => undefined));

logs.setGlobalLoggerProvider(
  new LoggerProvider({
    processors: [
      new ContextLogRecordProcessor(),
      new BatchLogRecordProcessor({ exporter: discard as LogRecordExporter, maxQueueSize: 1000 }),
    ],
  }),
);
const checkout = defineEvent('shop.checkout', {
  orderId: 'string',
  amount: 'number',
  method: ['card', 'cash'],
} as const);
const log = getLogger('bench');
withContext(values, () => {
  trace.getTracer('bench');
  nsPerCall('defineEvent emit (3 fields, validated)', () =>
    checkout.emit({ orderId: 'o-1', amount: 4.5, method: 'card' }),
  );
  nsPerCall('getLogger().info with 2 fields (stdout off)', () =>
    log.info('order placed', { orderId: 'o-1', amount: 4.5 }),
  );
  nsPerCall('recordFeedback by ids', () =>
    recordFeedback({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), model: 'gpt-4o' }, { liked: true }),
  );
});
