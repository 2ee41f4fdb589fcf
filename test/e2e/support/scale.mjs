// The scale-out profile for end-to-end tests: `scripts/stack.sh --profile scale` (an agent, two gateways on
// 127.0.0.2 / 127.0.0.3, Jaeger, Prometheus, Alertmanager, VictoriaMetrics) on free ports in a run folder of its own, a chain of
// "host" processes (genai-otel preloaded) that spread each trace over them, and readers of what each gateway saw.
//
// The gateways get one more config (STACK_SCALE_GATEWAY_OVERLAY) that copies what they receive, and what their tail
// sampling keeps, to files of their own: <out>/<gateway>-received.jsonl and <out>/<gateway>-sampled.jsonl.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, freeStackPorts } from './ports.mjs';
import { REQUIRED, ROOT, SKIP, STACK, getJson, poll } from './stack.mjs';

const execFileP = promisify(execFile);
const HOST_FIXTURE = join(ROOT, 'test', 'e2e', 'fixtures', 'scale-host.mjs');

/** Why the scale-out tests cannot run here (false when they can): the single-node prerequisites, then VictoriaMetrics. */
function scaleSkip() {
  if (SKIP) return SKIP;
  if (existsSync(join(ROOT, '.stack', 'bin', 'victoria-metrics'))) return false;
  const missing = '.stack/bin/victoria-metrics (run: scripts/stack.sh install --profile scale)';
  if (REQUIRED) throw new Error(`e2e prerequisites missing (GENAI_OTEL_E2E=1 or CI requires them): ${missing}`);
  return `prerequisites missing: ${missing}`;
}
export const SCALE_SKIP = scaleSkip();

/** A scale-out stack of our own: ports, run folder, the gateways' output folder and the scripts/stack.sh environment. */
export async function makeScaleStack(name, extraEnv = {}) {
  const ports = await freeStackPorts();
  const runDir = mkdtempSync(join(tmpdir(), `genai-otel-e2e-${name}-`));
  const out = join(runDir, 'out');
  const overlay = join(runDir, 'gateway-overlay.yaml');
  mkdirSync(out);
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(STACK_|OTELCOL_|JAEGER_|ALERT_|GENAI_OTEL_|OTEL_)/.test(k)) delete env[k];
  }
  for (const [setting, port] of Object.entries(ports)) env[`STACK_${setting}`] = String(port);
  Object.assign(env, {
    STACK_HOST: '127.0.0.1',
    STACK_RUN_DIR: runDir,
    // The single-node Jaeger: the trace tier of scripts/stack/scale-traces.sh is tested on its own.
    STACK_SCALE_TRACES: 'badger',
    STACK_SCALE_DNS_INTERVAL: '1s',
    STACK_SCALE_GATEWAY_OVERLAY: overlay,
    STACK_SCRAPE_INTERVAL: '1s',
    STACK_VM_LATENCY_OFFSET: '1s',
    STACK_UP_TIMEOUT: '90',
    OTELCOL_SPANMETRICS_FLUSH_INTERVAL: '1s',
    OTELCOL_BATCH_TIMEOUT: '200ms',
    ...extraEnv,
  });
  writeFileSync(
    overlay,
    [
      'exporters:',
      '  file/e2e_received:',
      `    path: ${out}/\${env:OTELCOL_GATEWAY_ID}-received.jsonl`,
      '    flush_interval: 100ms',
      '  file/e2e_sampled:',
      `    path: ${out}/\${env:OTELCOL_GATEWAY_ID}-sampled.jsonl`,
      '    flush_interval: 100ms',
      'service:',
      '  pipelines:',
      '    traces:',
      '      exporters: [span_metrics, file/e2e_received]',
      '    traces/sampled:',
      '      exporters: [otlp_grpc/jaeger, file/e2e_sampled]',
      '',
    ].join('\n'),
  );
  const url = (setting) => `http://127.0.0.1:${ports[setting]}`;
  return {
    name,
    env,
    runDir,
    out,
    ports,
    otlpHttp: url('OTLP_HTTP_PORT'),
    jaeger: url('JAEGER_UI_PORT'),
    prometheus: url('PROMETHEUS_PORT'),
    victoriametrics: url('VICTORIAMETRICS_PORT'),
    alertmanager: url('ALERTMANAGER_PORT'),
    hosts: [],
    failed: false,
    notes: [],
  };
}

/** scripts/stack.sh <args> --profile scale. */
export async function scaleCmd(stack, ...args) {
  try {
    const { stdout, stderr } = await execFileP('bash', [STACK, ...args, '--profile', 'scale'], {
      env: stack.env,
      cwd: ROOT,
      timeout: 150_000,
      maxBuffer: 8 << 20,
    });
    return stdout + stderr;
  } catch (err) {
    throw new Error(
      `scripts/stack.sh ${args.join(' ')} --profile scale failed (exit ${err.code}):\n${err.stdout || ''}${err.stderr || ''}`,
    );
  }
}

export async function startScaleStack(stack) {
  const started = Date.now();
  await scaleCmd(stack, 'up');
  stack.notes.push(`${stack.name} scale stack up in ${((Date.now() - started) / 1000).toFixed(1)}s (${stack.runDir})`);
}

export async function stopScaleStack(stack) {
  await Promise.all(stack.hosts.map((host) => stopProcess(host)));
  if (stack.failed) {
    try {
      process.stderr.write(`\n---- ${stack.name} scale stack logs (kept in ${stack.runDir}) ----\n`);
      process.stderr.write(await scaleCmd(stack, 'logs', '-n', '40'));
    } catch (err) {
      process.stderr.write(`${err.message}\n`);
    }
    await scaleCmd(stack, 'down').catch((err) => process.stderr.write(`${err.message}\n`));
  } else {
    await scaleCmd(stack, 'down', '--purge').catch((err) => process.stderr.write(`${err.message}\n`));
    rmSync(stack.runDir, { recursive: true, force: true });
  }
}

/** The pid scripts/stack.sh recorded for a component (gateway2, agent ...). */
export function pidOf(stack, component) {
  return Number(readFileSync(join(stack.runDir, 'pids', `${component}.pid`), 'utf8').trim());
}

function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts `count` host processes with genai-otel preloaded, each exporting to the agent, chained: a request to the
 * first goes through every one. Returns the first host's URL.
 */
export async function startHosts(stack, count) {
  const ports = await freePorts(count);
  for (let hop = count - 1; hop >= 0; hop--) {
    const env = { ...stack.env };
    for (const k of Object.keys(env)) if (/^(STACK_|OTELCOL_)/.test(k)) delete env[k];
    Object.assign(env, {
      OTEL_SERVICE_NAME: `scale-host-${hop}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      GENAI_OTEL_INSTRUMENTATIONS: 'none',
      FIXTURE_PORT: String(ports[hop]),
      FIXTURE_HOP: String(hop),
      ...(hop < count - 1 ? { FIXTURE_NEXT: `http://127.0.0.1:${ports[hop + 1]}` } : {}),
    });
    const child = spawn(process.execPath, ['--import', 'genai-otel/register', HOST_FIXTURE], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.hosts.push(child);
    let output = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`host ${hop} did not start:\n${output}`)), 30_000);
      const onData = (d) => {
        output += d;
        if (output.includes(`fixture ready hop-${hop}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`host ${hop} exited with ${code ?? signal}:\n${output}`));
      });
    });
  }
  return `http://127.0.0.1:${ports[0]}`;
}

/** One request through the chain; resolves with the trace id it became. */
export async function sendTrace(entry, { error = false, cost = 0 } = {}) {
  const query = new URLSearchParams({ error: error ? '1' : '0', cost: String(cost) });
  const res = await fetch(`${entry}/t?${query}`, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (!res.ok || !/^[0-9a-f]{32}$/.test(body)) throw new Error(`the host chain answered ${res.status}: ${body}`);
  return body;
}

/**
 * Sends traces through the chain with `concurrency` requests in flight until stop() is called; each sent trace is
 * recorded with the time it was sent.
 */
export function sendContinuously(entry, { concurrency = 2, pauseMs = 40 } = {}) {
  const sent = [];
  const failures = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const at = Date.now();
      try {
        sent.push({ traceId: await sendTrace(entry), at });
      } catch (err) {
        failures.push(err.message);
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    sent,
    failures,
    async stop() {
      running = false;
      await Promise.all(workers);
      return sent;
    },
  };
}

/** Every span a gateway's output file holds: `{ traceId, spanId, name, error }`. */
export function gatewaySpans(stack, gateway, kind) {
  const file = join(stack.out, `${gateway}-${kind}.jsonl`);
  if (!existsSync(file)) return [];
  const spans = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let batch;
    try {
      batch = JSON.parse(line);
    } catch {
      continue; // a line cut by a kill -9
    }
    for (const resourceSpans of batch.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            name: span.name,
            error: span.status?.code === 2,
          });
        }
      }
    }
  }
  return spans;
}

/** The gateways that wrote output files (gateway1, gateway2 ...). */
export function gatewaysWithOutput(stack) {
  if (!existsSync(stack.out)) return [];
  return [...new Set(readdirSync(stack.out).map((f) => f.replace(/-(received|sampled)\.jsonl$/, '')))].sort();
}

/** Trace id -> the hop spans (hop-0 ... hop-N) Jaeger holds for it, for the traces whose root is `rootService`. */
export async function hopsInJaeger(stack, rootService, sinceMillis) {
  const query = new URLSearchParams({
    'query.service_name': rootService,
    'query.start_time_min': new Date(sinceMillis - 60_000).toISOString(),
    'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
    'query.num_traces': '5000',
  });
  const hops = new Map();
  let data;
  try {
    data = await getJson(`${stack.jaeger}/api/v3/traces?${query}`);
  } catch (err) {
    if (err.status === 404) return hops;
    throw err;
  }
  for (const resourceSpans of data.result?.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        if (!span.name.startsWith('hop-')) continue;
        const id = span.traceId;
        if (!hops.has(id)) hops.set(id, new Set());
        hops.get(id).add(span.name);
      }
    }
  }
  return hops;
}

/** Polls until `read` returns the same value twice `stableMs` apart (what a pipeline delivers stops growing). */
export async function settled(what, read, { stableMs = 3000, timeoutMs = 60_000 } = {}) {
  let last = JSON.stringify(await read());
  return poll(
    what,
    async () => {
      await new Promise((resolve) => setTimeout(resolve, stableMs));
      const value = await read();
      const now = JSON.stringify(value);
      const same = now === last;
      last = now;
      return same ? value : null;
    },
    { timeoutMs, intervalMs: 0 },
  );
}

/** A PromQL instant query against VictoriaMetrics (or Prometheus): the result vector. */
export async function promQuery(baseUrl, expr) {
  const data = await getJson(`${baseUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  return data.data.result;
}
