// Throughput of the scale profile's trace tier: spans/s sustained from OTLP into the Jaeger collector role until they
// are stored in OpenSearch (2 data nodes, 1 replica), directly and through Kafka + the Jaeger ingester, with nothing
// lost. Each round sends OTLP/protobuf requests of genai-otel-like spans for a fixed time with a few requests in
// flight, then waits until OpenSearch holds every span; the figure is spans stored / (first send -> last stored).
// CPU per span of each process comes from /proc/<pid>/stat (utime + stime).
//
//   scripts/stack.sh install && test/e2e/support/scale-traces.sh install
//   GENAI_OTEL_BENCH_SCALE_TRACES=1 node bench/scale-traces.ts [--rounds=3] [--seconds=15] [--warmup=1]
//     [--max-spans=30000] [--direct=1] [--kafka=1]
//
// Not a row of `npm run bench` (it needs the stack and takes minutes), hence the flag. The trace tier runs on free
// ports in a temporary run folder and is stopped at the end. Figures are noisy on a shared machine: medians.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
// @ts-expect-error: a plain .mjs helper of the end-to-end suite, without types
import { traceTierSettings } from '../test/e2e/support/ports.mjs';

if (process.env.GENAI_OTEL_BENCH_SCALE_TRACES !== '1') {
  console.error(
    'bench/scale-traces.ts starts OpenSearch, Kafka and Jaeger for minutes: set GENAI_OTEL_BENCH_SCALE_TRACES=1',
  );
  process.exit(2);
}

const execFileP = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const DRIVER = join(root, 'test', 'e2e', 'support', 'scale-traces.sh');
const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROUNDS = option('rounds', 3);
const SECONDS = option('seconds', 15);
const WITH_KAFKA = option('kafka', 1) === 1;
const WITH_DIRECT = option('direct', 1) === 1;
// Through Kafka the collector accepts far faster than the ingester stores (~30 times here): without a cap a round
// would buffer minutes of draining. Each round stops sending at this many spans (or after --seconds).
const MAX_SPANS = option('max-spans', 30_000);
// Rounds run first and not counted: the JVMs compile their hot paths (the first round is 3-5 times slower).
const WARMUP = option('warmup', 1);
const SPANS_PER_REQUEST = 200;
const IN_FLIGHT = 4;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const SETTINGS: string[] = traceTierSettings();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One OTLP/protobuf request: SPANS_PER_REQUEST spans of `service`, 4 per trace, GenAI attributes as genai-otel sets. */
function payload(service: string): Uint8Array {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'telemetry.distro.name': 'genai-otel' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('genai-otel');
  for (let trace = 0; trace < SPANS_PER_REQUEST / 4; trace++) {
    tracer.startActiveSpan('invoke_agent support-agent', (root) => {
      for (let index = 0; index < 3; index++) {
        const span = tracer.startSpan('chat gpt-4o-mini', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.id': `chatcmpl-${trace}-${index}`,
            'gen_ai.usage.input_tokens': 120 + index,
            'gen_ai.usage.output_tokens': 40,
            'genai_otel.cost.usd': 0.00042,
          },
        });
        span.end();
      }
      root.end();
    });
  }
  const body = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
  if (!body) throw new Error('the serializer returned nothing');
  return body;
}

async function driver(env: NodeJS.ProcessEnv, ...args: string[]) {
  await execFileP('bash', [DRIVER, ...args], { env, cwd: root, timeout: 300_000, maxBuffer: 8 << 20 });
}

async function storedSpans(opensearch: string, service: string): Promise<number> {
  await fetch(`${opensearch}/genai-otel-jaeger-span-*/_refresh`, { method: 'POST' });
  const res = await fetch(`${opensearch}/genai-otel-jaeger-span-*/_count`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { term: { 'process.serviceName': service } } }),
  });
  if (res.status === 404) return 0;
  const body = (await res.json()) as { count?: number };
  return body.count ?? 0;
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function pids(runDir: string, names: string[]): Record<string, number> {
  return Object.fromEntries(
    names.map((name) => [name, Number(readFileSync(join(runDir, 'pids', `${name}.pid`), 'utf8').trim())]),
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function round(collector: string, opensearch: string, service: string, processes: Record<string, number>) {
  const body = payload(service);
  const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuTicks(pid)]));
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  let requests = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < stopAt && (requests + 1) * SPANS_PER_REQUEST <= MAX_SPANS) {
        const res = await fetch(`${collector}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        if (res.ok) requests++;
        else failures++;
      }
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  const sent = requests * SPANS_PER_REQUEST;
  let stored = 0;
  const deadline = performance.now() + 180_000;
  while ((stored = await storedSpans(opensearch, service)) < sent && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [
      name,
      (((cpuTicks(pid) - (cpuBefore[name] ?? 0)) / CLOCK_TICKS) * 1e6) / Math.max(stored, 1),
    ]),
  );
  return { sent, stored, failures, sendSeconds, seconds, rate: stored / seconds, cpu };
}

async function main() {
  const ports = await Promise.all(SETTINGS.map(freePort));
  if (new Set(ports).size !== ports.length) throw new Error('port collision, run again');
  const runDir = mkdtempSync(join(tmpdir(), 'genai-otel-bench-scale-traces-'));
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(STACK_|OTELCOL_|JAEGER_|GENAI_OTEL_)/.test(k)),
  );
  SETTINGS.forEach((k, i) => (env[`STACK_${k}`] = String(ports[i])));
  Object.assign(env, { STACK_HOST: '127.0.0.1', STACK_RUN_DIR: runDir, STACK_UP_TIMEOUT: '180' });
  const port = (k: string) => ports[SETTINGS.indexOf(k)];
  const collector = `http://127.0.0.1:${port('JAEGER_OTLP_HTTP_PORT')}`;
  const opensearch = `http://127.0.0.1:${port('OPENSEARCH_PORT')}`;
  const modes: { name: string; env: NodeJS.ProcessEnv; processes: string[] }[] = [];
  if (WITH_DIRECT) {
    modes.push({
      name: 'direct: Jaeger collector -> OpenSearch',
      env,
      processes: ['jaeger-collector', 'opensearch-1', 'opensearch-2'],
    });
  }
  if (WITH_KAFKA) {
    modes.push({
      name: 'Kafka: Jaeger collector -> Kafka -> Jaeger ingester -> OpenSearch',
      env: { ...env, STACK_SCALE_KAFKA: '1' },
      processes: ['jaeger-collector', 'kafka', 'jaeger-ingester', 'opensearch-1', 'opensearch-2'],
    });
  }
  console.log(
    `trace tier bench: ${ROUNDS} rounds of ${SECONDS}s, ${SPANS_PER_REQUEST} spans/request, ${IN_FLIGHT} in flight`,
  );
  try {
    await driver(env, 'up');
    for (const mode of modes) {
      await driver(mode.env, 'down', 'jaeger-collector');
      await driver(mode.env, 'up');
      for (let r = 0; r < WARMUP; r++) {
        const warm = await round(
          collector,
          opensearch,
          `warmup-${Date.now().toString(36)}`,
          pids(runDir, mode.processes),
        );
        console.log(`  ${mode.name} warm-up round: ${Math.round(warm.rate)} spans/s (not counted)`);
      }
      const results: Awaited<ReturnType<typeof round>>[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const result = await round(
          collector,
          opensearch,
          `bench-${Date.now().toString(36)}`,
          pids(runDir, mode.processes),
        );
        results.push(result);
        console.log(
          `  ${mode.name} round ${r + 1}: ${Math.round(result.rate)} spans/s stored, ` +
            `${Math.round(result.sent / result.sendSeconds)} spans/s accepted by the Jaeger collector ` +
            `(${result.stored}/${result.sent} spans, ${result.failures} refused requests, sent in ` +
            `${result.sendSeconds.toFixed(1)}s, stored by ${result.seconds.toFixed(1)}s); CPU µs/span: ` +
            Object.entries(result.cpu)
              .map(([name, us]) => `${name} ${us.toFixed(0)}`)
              .join(', '),
        );
      }
      const lost = results.reduce((sum, r) => sum + Math.max(0, r.sent - r.stored), 0);
      console.log(
        `${mode.name}: median ${Math.round(median(results.map((r) => r.rate)))} spans/s, ${lost} spans lost; ` +
          `CPU µs/span (median): ` +
          mode.processes.map((name) => `${name} ${median(results.map((r) => r.cpu[name] ?? 0)).toFixed(0)}`).join(', '),
      );
    }
  } finally {
    await driver(env, 'down').catch((err: Error) => console.error(err.message));
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
