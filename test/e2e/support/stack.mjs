// The bundled stack for end-to-end tests: a collector, Jaeger, Prometheus and Alertmanager started by
// scripts/stack.sh on free ports, in a run folder of their own, and the polling helpers the tests wait with.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePorts } from './ports.mjs';

export { freePorts };

const execFileP = promisify(execFile);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const STACK = join(ROOT, 'scripts', 'stack.sh');

export function missingPrerequisites() {
  const missing = [];
  for (const bin of ['otelcol-genai', 'jaeger']) {
    if (!existsSync(join(ROOT, '.stack', 'bin', bin)))
      missing.push(`.stack/bin/${bin} (run: scripts/stack.sh install)`);
  }
  const path = (process.env.PATH || '').split(':');
  for (const bin of ['prometheus', 'promtool']) {
    if (!path.some((dir) => dir && existsSync(join(dir, bin)))) missing.push(`${bin} (run: scripts/stack.sh install)`);
  }
  if (
    !path.some(
      (dir) => dir && (existsSync(join(dir, 'prometheus-alertmanager')) || existsSync(join(dir, 'alertmanager'))),
    )
  ) {
    missing.push('alertmanager (run: scripts/stack.sh install)');
  }
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 15)) {
    missing.push(`Node >= 22.15 to run the fixtures (this is ${process.version}; use node_modules/.bin/node)`);
  }
  if (!existsSync(join(ROOT, 'dist', 'cjs', 'register.cjs')) || !existsSync(join(ROOT, 'dist', 'esm', 'register.js'))) {
    missing.push('dist/ (run: npm run build)');
  }
  return missing;
}

export const MISSING = missingPrerequisites();
export const REQUIRED = process.env.GENAI_OTEL_E2E === '1' || (process.env.CI && process.env.CI !== 'false');
if (MISSING.length && REQUIRED) {
  throw new Error(`e2e prerequisites missing (GENAI_OTEL_E2E=1 or CI requires them): ${MISSING.join('; ')}`);
}
export const SKIP = MISSING.length ? `prerequisites missing: ${MISSING.join('; ')}` : false;

/** A stack of our own: ports, run folder and the environment for scripts/stack.sh. */
export async function makeStack(name, extraEnv = {}) {
  const keys = [
    'OTLP_GRPC_PORT',
    'OTLP_HTTP_PORT',
    'JAEGER_UI_PORT',
    'PROMETHEUS_PORT',
    'ALERTMANAGER_PORT',
    'COLLECTOR_PROM_PORT',
    'COLLECTOR_HEALTH_PORT',
    'COLLECTOR_METRICS_PORT',
    'JAEGER_OTLP_PORT',
    'JAEGER_OTLP_HTTP_PORT',
    'JAEGER_GRPC_PORT',
    'JAEGER_HEALTH_PORT',
    'JAEGER_METRICS_PORT',
  ];
  const ports = await freePorts(keys.length);
  const runDir = mkdtempSync(join(tmpdir(), `genai-otel-e2e-${name}-`));
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(STACK_|OTELCOL_|JAEGER_|ALERT_|GENAI_OTEL_)/.test(k)) delete env[k];
  }
  keys.forEach((k, i) => {
    env[`STACK_${k}`] = String(ports[i]);
  });
  Object.assign(env, {
    STACK_HOST: '127.0.0.1',
    STACK_RUN_DIR: runDir,
    STACK_SCRAPE_INTERVAL: '1s',
    STACK_UP_TIMEOUT: '90',
    OTELCOL_SPANMETRICS_FLUSH_INTERVAL: '1s',
    OTELCOL_BATCH_TIMEOUT: '200ms',
    ...extraEnv,
  });
  const port = (k) => ports[keys.indexOf(k)];
  return {
    name,
    env,
    runDir,
    otlpHttp: `http://127.0.0.1:${port('OTLP_HTTP_PORT')}`,
    jaeger: `http://127.0.0.1:${port('JAEGER_UI_PORT')}`,
    prometheus: `http://127.0.0.1:${port('PROMETHEUS_PORT')}`,
    failed: false,
    notes: [], // timings, reported by the next test that runs (hooks have no diagnostic())
  };
}

export async function stackCmd(stack, ...args) {
  try {
    const { stdout, stderr } = await execFileP('bash', [STACK, ...args], {
      env: stack.env,
      cwd: ROOT,
      timeout: 150_000,
      maxBuffer: 8 << 20,
    });
    return stdout + stderr;
  } catch (err) {
    throw new Error(
      `scripts/stack.sh ${args.join(' ')} failed (exit ${err.code}):\n${err.stdout || ''}${err.stderr || ''}`,
    );
  }
}

export async function startStack(stack) {
  const started = Date.now();
  await stackCmd(stack, 'up');
  stack.notes.push(
    `${stack.name} stack up in ${((Date.now() - started) / 1000).toFixed(1)}s (run folder ${stack.runDir})`,
  );
}

export async function stopStack(stack) {
  if (stack.failed) {
    try {
      process.stderr.write(`\n---- ${stack.name} stack logs (kept in ${stack.runDir}) ----\n`);
      process.stderr.write(await stackCmd(stack, 'logs', '-n', '40'));
    } catch (err) {
      process.stderr.write(`${err.message}\n`);
    }
    await stackCmd(stack, 'down').catch((err) => process.stderr.write(`${err.message}\n`));
  } else {
    await stackCmd(stack, 'down', '--purge').catch((err) => process.stderr.write(`${err.message}\n`));
    rmSync(stack.runDir, { recursive: true, force: true });
  }
}

/** Runs a test body and marks the stack as failed (logs are printed, run folder kept). */
export function guarded(stack, fn) {
  return async (t) => {
    for (const note of stack.notes.splice(0)) t.diagnostic(note);
    try {
      await fn(t);
    } catch (err) {
      stack.failed = true;
      throw err;
    }
  };
}

/** Calls fn until it returns a truthy value; throws with the last observation after the deadline. */
export async function poll(what, fn, { timeoutMs = 30_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
      last = 'no result yet';
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = await res.text();
  if (!res.ok) {
    const err = new Error(`${res.status} from ${url}: ${body.slice(0, 300)}`);
    err.status = res.status;
    throw err;
  }
  return JSON.parse(body);
}
