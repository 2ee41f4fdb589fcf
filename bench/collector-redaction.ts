// The collector's CPU per span on its redaction safety net: the same GenAI spans sent to the bundled collector
// (.stack/bin/otelcol-genai with collector/privacy.yaml and config.yaml) with and without the resource attribute that genai-otel's
// redacting exporters set (genai_otel.redaction.ruleset), alternating in rounds, and, for where the rest goes, the
// same unmarked spans through the config without the transform processor, and without it and the redaction processor.
// CPU is the collector process's (utime + stime from /proc/<pid>/stat), divided by the spans sent.
//
//   node bench/collector-redaction.ts [--rounds=5] [--batches=40]
//
// Figures are noisy on a shared machine: compare the sides of one run, never runs with each other.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { builtInRulesetName } from '../src/privacy/redaction-marker.ts';

const root = new URL('..', import.meta.url).pathname;
const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROUNDS = option('rounds', 5);
const BATCHES = option('batches', 40);
const SPANS_PER_BATCH = 200;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** One OTLP/protobuf request of SPANS_PER_BATCH GenAI client spans, as genai-otel exports them (already redacted). */
function payload(resource: Record<string, string>): Uint8Array {
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
  for (let index = 0; index < SPANS_PER_BATCH; index++) {
    const span = tracer.startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': `chatcmpl-${index.toString(36).padStart(12, 'x')}`,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 120 + index,
        'gen_ai.usage.output_tokens': 40,
        'gen_ai.request.temperature': 0.2,
        'server.address': 'api.openai.com',
        'server.port': 443,
        'genai_otel.cost.usd': 0.00042,
        'user.id': 'hmac-sha256:5d1e0f8b0c6a4f1e9a7b3c2d1e0f8b0c6a4f1e9a7b3c2d1e0f8b0c6a4f1e9a7b',
        'gen_ai.output.messages': `[{"role":"assistant","parts":[{"type":"text","content":"Your order [REDACTED:email] ships on Tuesday; reference ${index} is attached. Let me know if anything else is needed."}]}]`,
      },
    });
    span.addEvent('gen_ai.choice', { 'gen_ai.response.finish_reason': 'stop', index: 0 });
    span.end();
  }
  const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
  if (bytes === undefined) throw new Error('the serializer returned nothing');
  return bytes;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Collector {
  child: ChildProcess;
  url: string;
}

async function startCollector(dir: string, name: string, processors: string[] | undefined): Promise<Collector> {
  const [grpc, http, health, prom, metrics] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const overlay = join(dir, `${name}.yaml`);
  const lines = [
    'exporters:',
    '  file/bench:',
    '    path: /dev/null',
    '    format: proto',
    'service:',
    '  pipelines:',
    '    traces:',
    '      exporters: [file/bench, span_metrics]',
  ];
  if (processors) lines.push(`      processors: [${processors.join(', ')}]`);
  writeFileSync(overlay, `${lines.join('\n')}\n`);
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) if (/^(OTELCOL_|GENAI_OTEL_|OTEL_)/.test(key)) delete env[key];
  Object.assign(env, {
    OTELCOL_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OTELCOL_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    OTELCOL_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    OTELCOL_PROMETHEUS_ENDPOINT: `127.0.0.1:${prom}`,
    OTELCOL_METRICS_HOST: '127.0.0.1',
    OTELCOL_METRICS_PORT: String(metrics),
    OTELCOL_JAEGER_ENDPOINT: '127.0.0.1:1',
    OTELCOL_STORAGE_DIR: join(dir, `${name}-queue`),
    OTELCOL_LOGS_PATH: join(dir, `${name}-logs.jsonl`),
    OTELCOL_LLM_RECORDS_PATH: join(dir, `${name}-records.jsonl`),
    OTELCOL_BATCH_TIMEOUT: '100ms',
    OTELCOL_LOG_LEVEL: 'warn',
  });
  const binary = join(root, '.stack', 'bin', 'otelcol-genai');
  const configs = [join(root, 'collector', 'privacy.yaml'), join(root, 'collector', 'config.yaml'), overlay];
  const child = spawn(
    binary,
    configs.flatMap((config) => ['--config', config]),
    {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 150) throw new Error(`collector ${name} did not become healthy`);
    await sleep(200);
  }
  return { child, url: `http://127.0.0.1:${http}/v1/traces` };
}

/** Collector CPU seconds spent on BATCHES requests of `body`, sent one after the other. */
async function cpuFor(collector: Collector, body: Uint8Array): Promise<number> {
  const pid = collector.child.pid!;
  await sleep(300);
  const before = cpuSeconds(pid);
  for (let index = 0; index < BATCHES; index++) {
    const response = await fetch(collector.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    if (!response.ok) throw new Error(`collector answered ${response.status}`);
    await response.arrayBuffer();
  }
  await sleep(300); // the batch processor's flush (100 ms) and the file exporter
  return cpuSeconds(pid) - before;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perSpan = (seconds: number) => (seconds / (BATCHES * SPANS_PER_BATCH)) * 1e6;

async function main(): Promise<void> {
  const marked = payload({ 'genai_otel.redaction.ruleset': builtInRulesetName() });
  const unmarked = payload({});
  const dir = mkdtempSync(join(tmpdir(), 'genai-otel-bench-collector-'));
  const sides = {
    full: await startCollector(dir, 'full', undefined),
    noTransform: await startCollector(dir, 'no-transform', ['memory_limiter', 'redaction/genai_otel_privacy', 'batch']),
    none: await startCollector(dir, 'none', ['memory_limiter', 'batch']),
  };
  const samples: Record<string, number[]> = { unmarked: [], marked: [], noTransform: [], none: [] };
  try {
    // Warm-up: each side once, not counted.
    await cpuFor(sides.full, unmarked);
    await cpuFor(sides.full, marked);
    await cpuFor(sides.noTransform, unmarked);
    await cpuFor(sides.none, unmarked);
    for (let round = 0; round < ROUNDS; round++) {
      const runs: [string, Collector, Uint8Array][] = [
        ['unmarked', sides.full, unmarked],
        ['marked', sides.full, marked],
        ['noTransform', sides.noTransform, unmarked],
        ['none', sides.none, unmarked],
      ];
      // Rotating order, so that no side always runs right after the same one.
      for (let index = 0; index < runs.length; index++) {
        const [name, collector, body] = runs[(index + round) % runs.length]!;
        samples[name]!.push(perSpan(await cpuFor(collector, body)));
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
  } finally {
    for (const side of Object.values(sides)) side.child.kill('SIGTERM');
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
  const row = (label: string, name: string) =>
    `| ${label} | ${median(samples[name]!).toFixed(1)} | ${samples[name]!.map((v) => v.toFixed(1)).join(', ')} |`;
  process.stdout.write(
    [
      `collector CPU per span (µs), ${ROUNDS} rounds of ${BATCHES} x ${SPANS_PER_BATCH} spans, median and every round:`,
      '| side | median | rounds |',
      '| --- | --- | --- |',
      row('full config, spans without the marker (other SDKs)', 'unmarked'),
      row("full config, spans with genai-otel's marker", 'marked'),
      row('without the transform processor (reference)', 'noTransform'),
      row('without transform and redaction (reference)', 'none'),
      `marked / unmarked: ${(median(samples.marked!) / median(samples.unmarked!)).toFixed(2)}`,
      '',
    ].join('\n'),
  );
}

await main();
