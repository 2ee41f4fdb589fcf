// Throughput of the bundled stack: spans per second delivered into Jaeger, and each component's CPU per span, for
// the scale-out profile (agent -> 2 gateways -> Jaeger) and the single-node stack (collector -> Jaeger), the latter
// with and without the resource attribute genai-otel's redacting exporters set (genai_otel.redaction.ruleset).
//
//   scripts/stack.sh install --profile scale && node bench/scale-throughput.ts [--seconds=10] [--rounds=3] [--senders=4]
//
// Each round starts the stack on free ports (scripts/stack.sh, a run folder of its own), then `--senders` concurrent
// OTLP/HTTP clients send requests of 200 GenAI client spans (20 traces of 10 spans, new trace ids every request) as
// fast as the stack accepts them for `--seconds`, and the round waits until Jaeger has written everything it will
// (its exporter's sent-spans counter stops moving). Throughput = spans Jaeger wrote / (sending + draining time);
// lost = spans accepted by the first collector - spans Jaeger wrote. CPU per span = utime + stime of each component's
// process (/proc/<pid>/stat) over the round / spans written. The gateways tail-sample with every trace kept (100 %),
// so that "nothing lost" can be checked in Jaeger.
//
// The senders share the machine's cores with the stack: figures are a floor of what the stack does with cores of its
// own. On a shared machine, compare sides of one run and report medians.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { builtInRulesetName } from '../src/privacy/redaction-marker.ts';
// @ts-expect-error: a plain .mjs helper of the end-to-end suite, without types
import { freeStackPorts } from '../test/e2e/support/ports.mjs';

const execFileP = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const SECONDS = option('seconds', 10);
const ROUNDS = option('rounds', 3);
const SENDERS = option('senders', 4);
const TRACES_PER_REQUEST = 20;
const SPANS_PER_TRACE = 10;
const SPANS_PER_REQUEST = TRACES_PER_REQUEST * SPANS_PER_TRACE;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An OTLP/protobuf request and where its trace ids are, so that each copy gets new ones. */
interface Template {
  bytes: Uint8Array;
  traceIdOffsets: number[][];
}

function template(resource: Record<string, string>): Template {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bench-app',
      'telemetry.distro.name': 'genai-otel',
      ...resource,
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('genai-otel');
  const traceIds: string[] = [];
  for (let t = 0; t < TRACES_PER_REQUEST; t++) {
    const root = tracer.startSpan('invoke_agent support', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    traceIds.push(root.spanContext().traceId);
    const parent = trace.setSpan(context.active(), root);
    for (let s = 1; s < SPANS_PER_TRACE; s++) {
      const span = tracer.startSpan(
        'chat gpt-4o-mini',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.id': `chatcmpl-${t}-${s}`,
            'gen_ai.usage.input_tokens': 120 + s,
            'gen_ai.usage.output_tokens': 40,
            'genai_otel.cost.usd': 0.00042,
            'gen_ai.output.messages': `[{"role":"assistant","parts":[{"type":"text","content":"Your order [REDACTED:email] ships on Tuesday; reference ${s} is attached."}]}]`,
          },
        },
        parent,
      );
      span.end();
    }
    root.end();
  }
  const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
  if (bytes === undefined) throw new Error('the serializer returned nothing');
  const buffer = Buffer.from(bytes);
  const traceIdOffsets = traceIds.map((hex) => {
    const id = Buffer.from(hex, 'hex');
    const offsets: number[] = [];
    for (let at = buffer.indexOf(id); at !== -1; at = buffer.indexOf(id, at + 1)) offsets.push(at);
    if (offsets.length !== SPANS_PER_TRACE) throw new Error(`trace id found ${offsets.length} times`);
    return offsets;
  });
  return { bytes, traceIdOffsets };
}

/** A copy of the template with new trace ids. */
function request(from: Template): Buffer {
  const copy = Buffer.from(from.bytes);
  const id = Buffer.alloc(16);
  for (const offsets of from.traceIdOffsets) {
    randomFillSync(id);
    for (const at of offsets) id.copy(copy, at);
  }
  return copy;
}

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};

/** Sum of a counter (every series whose name starts with `name`) on a Prometheus text endpoint. */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface Side {
  label: string;
  profile: 'single' | 'scale';
  marker: boolean;
}

interface Result {
  sent: number;
  written: number;
  spansPerSecond: number;
  cpuMicros: Record<string, number>;
}

async function stack(env: NodeJS.ProcessEnv, profile: Side['profile'], ...args: string[]): Promise<void> {
  await execFileP('bash', [join(root, 'scripts', 'stack.sh'), ...args, '--profile', profile], {
    env,
    cwd: root,
    timeout: 180_000,
    maxBuffer: 8 << 20,
  });
}

async function round(side: Side, body: Template): Promise<Result> {
  const ports: Record<string, number> = await freeStackPorts();
  const runDir = mkdtempSync(join(tmpdir(), 'genai-otel-bench-scale-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(STACK_|OTELCOL_|JAEGER_|GENAI_OTEL_|OTEL_)/.test(key)) delete env[key];
  for (const [setting, port] of Object.entries(ports)) env[`STACK_${setting}`] = String(port);
  Object.assign(env, {
    STACK_RUN_DIR: runDir,
    STACK_SCALE_TRACES: 'badger',
    OTELCOL_TAIL_SAMPLE_PERCENT: '100',
    OTELCOL_TAIL_DECISION_WAIT: '2s',
    OTELCOL_LOG_LEVEL: 'warn',
  });
  await stack(env, side.profile, 'up');
  try {
    const pids = Object.fromEntries(
      readdirSync(join(runDir, 'pids')).map((file) => [
        file.replace(/\.pid$/, ''),
        Number(readFileSync(join(runDir, 'pids', file), 'utf8')),
      ]),
    );
    const measured = side.profile === 'scale' ? ['agent', 'gateway1', 'gateway2', 'jaeger'] : ['collector', 'jaeger'];
    const jaegerMetrics = `http://127.0.0.1:${ports.JAEGER_METRICS_PORT}/metrics`;
    const written = () => counter(jaegerMetrics, 'otelcol_exporter_sent_spans');
    const url = `http://127.0.0.1:${ports.OTLP_HTTP_PORT}/v1/traces`;
    // Warm-up, not counted: sent, then drained.
    for (let i = 0; i < 20; i++) await post(url, request(body));
    const writtenBefore = (await drained(written, Date.now() + 60_000)).count;
    const cpuBefore = Object.fromEntries(measured.map((c) => [c, cpuSeconds(pids[c]!)]));
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    let sent = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (Date.now() < deadline) {
          if (await post(url, request(body))) sent += SPANS_PER_REQUEST;
        }
      }),
    );
    const { count: last, at: lastChange } = await drained(written, started + (SECONDS + 120) * 1000);
    const elapsed = (lastChange - started) / 1000;
    const total = last - writtenBefore;
    const cpuMicros = Object.fromEntries(
      measured.map((c) => [c, ((cpuSeconds(pids[c]!) - cpuBefore[c]!) / Math.max(total, 1)) * 1e6]),
    );
    return { sent, written: total, spansPerSecond: total / elapsed, cpuMicros };
  } finally {
    await stack(env, side.profile, 'down', '--purge').catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * Waits until `read` (Jaeger's count of spans written) stops moving for 4 s (longer than the tail-sampling wait) and
 * returns the count and when it last moved.
 */
async function drained(read: () => Promise<number>, deadline: number): Promise<{ count: number; at: number }> {
  let count = await read();
  let at = Date.now();
  while (Date.now() - at < 4000 && Date.now() < deadline) {
    await sleep(500);
    const now = await read();
    if (now !== count) {
      count = now;
      at = Date.now();
    }
  }
  return { count, at };
}

/** True when the collector accepted the request (a refusal, 429/503 from the memory limiter, is not counted). */
async function post(url: string, body: Buffer): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    await response.arrayBuffer();
    if (!response.ok) await sleep(50);
    return response.ok;
  } catch {
    await sleep(50);
    return false;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const sides: Side[] = [
    { label: 'scale: agent -> 2 gateways -> Jaeger (marked spans)', profile: 'scale', marker: true },
    { label: 'single node: collector -> Jaeger, marked spans (genai-otel)', profile: 'single', marker: true },
    { label: 'single node: collector -> Jaeger, unmarked spans (other SDKs)', profile: 'single', marker: false },
  ];
  const bodies = {
    marked: template({ 'genai_otel.redaction.ruleset': builtInRulesetName() }),
    unmarked: template({}),
  };
  const results = new Map<Side, Result[]>(sides.map((side) => [side, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(i + r) % sides.length]!;
      const result = await round(side, side.marker ? bodies.marked : bodies.unmarked);
      results.get(side)!.push(result);
      process.stderr.write(
        `round ${r + 1}/${ROUNDS} ${side.label}: ${Math.round(result.spansPerSecond)} spans/s, sent ${result.sent}, written ${result.written}\n`,
      );
    }
  }
  const lines = [
    `${ROUNDS} rounds of ${SECONDS} s, ${SENDERS} senders, requests of ${SPANS_PER_REQUEST} spans; medians (every round):`,
    '| stack | spans/s into Jaeger | lost (negative: duplicates) | CPU µs per span |',
    '| --- | --- | --- | --- |',
  ];
  for (const side of sides) {
    const rows = results.get(side)!;
    const cpu = Object.keys(rows[0]!.cpuMicros)
      .map((c) => `${c} ${median(rows.map((row) => row.cpuMicros[c]!)).toFixed(1)}`)
      .join(', ');
    lines.push(
      `| ${side.label} | ${Math.round(median(rows.map((row) => row.spansPerSecond)))} (${rows.map((row) => Math.round(row.spansPerSecond)).join(', ')}) | ${rows.map((row) => row.sent - row.written).join(', ')} | ${cpu} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
