// Spans sent, received and lost under collector faults: genai-otel's preload side by side with plain NodeSDK, the same
// app (test/fixtures/span-producer.cjs), the same faults, the same local receiver. Run: npm run bench:faults
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, type Behaviour, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { otelEnv, runFixture } from '../test/support/run-fixture.ts';

const producer = fileURLToPath(new URL('../test/fixtures/span-producer.cjs', import.meta.url));
const baseline = fileURLToPath(new URL('./baselines/plain-nodesdk.cjs', import.meta.url));

interface Scenario {
  name: string;
  spans: number;
  rate: number;
  behaviour?: Behaviour;
  /** The collector is not there for this long after the app starts. */
  downMillis?: number;
}

const scenarios: Scenario[] = [
  { name: 'no fault', spans: 3000, rate: 1000 },
  { name: 'collector away for the first 1.5 s', spans: 3000, rate: 1000, downMillis: 1500 },
  { name: 'collector away for 6 s (app runs 3 s)', spans: 3000, rate: 1000, downMillis: 6000 },
  {
    name: '429 + Retry-After 1 s (3 requests)',
    spans: 3000,
    rate: 1000,
    behaviour: { status: 429, retryAfterSeconds: 1, times: 3 },
  },
  { name: '503 (3 requests)', spans: 3000, rate: 1000, behaviour: { status: 503, times: 3 } },
  { name: '500 (2 requests)', spans: 3000, rate: 1000, behaviour: { status: 500, times: 2 } },
  { name: 'hangs (2 requests)', spans: 3000, rate: 1000, behaviour: { hang: true, times: 2 } },
  {
    name: 'resets the connection (3 requests)',
    spans: 3000,
    rate: 1000,
    behaviour: { resetConnection: true, times: 3 },
  },
  { name: 'burst of 100,000 spans', spans: 100000, rate: 0 },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function run(scenario: Scenario, side: 'genai-otel' | 'NodeSDK'): Promise<{ received: number; millis: number }> {
  const port = await freePort();
  let receiver: OtlpReceiver | undefined;
  const bring = async () => {
    receiver = await startOtlpReceiver({ port });
    if (scenario.behaviour !== undefined) receiver.setBehaviour(scenario.behaviour);
  };
  let timer: NodeJS.Timeout | undefined;
  if (scenario.downMillis === undefined) await bring();
  else timer = setTimeout(() => void bring(), scenario.downMillis);
  const service = `faults-${side}`;
  const env = otelEnv(`http://127.0.0.1:${port}`, {
    OTEL_SERVICE_NAME: service,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    OTEL_LOG_LEVEL: 'none',
    // Both sides keep their own batching defaults; the bench only lowers timeouts so that hangs end.
    OTEL_BSP_SCHEDULE_DELAY: undefined,
    GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '10000',
    PRODUCER_SPANS: String(scenario.spans),
    PRODUCER_RATE: String(scenario.rate),
  });
  const nodeArgs = side === 'genai-otel' ? ['--require', 'genai-otel/register'] : ['--require', baseline];
  const result = await runFixture(producer, { nodeArgs, env, timeoutMillis: 120000 });
  clearTimeout(timer);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const received =
    receiver === undefined ? 0 : new Set(receiver.spans().map((span) => span.attributes['producer.seq'])).size;
  await receiver?.close();
  return { received, millis: result.elapsedMillis };
}

const rows: string[][] = [
  ['fault', 'sent', 'genai-otel received', 'lost', 'app run', 'NodeSDK received', 'lost', 'app run'],
];
for (const scenario of scenarios) {
  const ours = await run(scenario, 'genai-otel');
  const theirs = await run(scenario, 'NodeSDK');
  const lost = (received: number) =>
    `${scenario.spans - received} (${(((scenario.spans - received) / scenario.spans) * 100).toFixed(1)} %)`;
  rows.push([
    scenario.name,
    String(scenario.spans),
    String(ours.received),
    lost(ours.received),
    `${(ours.millis / 1000).toFixed(1)} s`,
    String(theirs.received),
    lost(theirs.received),
    `${(theirs.millis / 1000).toFixed(1)} s`,
  ]);
  process.stderr.write(`done: ${scenario.name}\n`);
}
const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
for (const [index, row] of rows.entries()) {
  console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`);
  if (index === 0) console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
}
