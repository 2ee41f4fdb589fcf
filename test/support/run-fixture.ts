// Runs a fixture app in a real child process under the real preload, the way users run their apps.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A hang guard, not a time budget: on a 2-core machine shared with other suites an agent app's run took 21–25 s, so
// the guard sits well above that.
const FIXTURE_TIMEOUT_MILLIS = 60_000;

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface FixtureResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMillis: number;
}

export interface FixtureOptions {
  /** Node flags before the script, e.g. ['--require', 'genai-otel/register']. */
  nodeArgs?: string[];
  /** Arguments after the script. */
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Called once the child prints `line` on stdout (e.g. to send it a signal). */
  onLine?: { line: string; then: (child: ChildProcess) => void };
  timeoutMillis?: number;
  /** The working directory; the repository root unless told (an app folder of its own, to control what it finds). */
  cwd?: string;
}

/**
 * Environment that points every signal at `endpoint` with quick exports, a spool folder of its own (so that runs never
 * replay each other's telemetry), and nothing else from the parent's OTEL_* settings.
 */
export function otelEnv(
  endpoint: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('OTEL_') && !key.startsWith('GENAI_OTEL_')) clean[key] = value;
  return {
    ...clean,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    GENAI_OTEL_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'genai-otel-test-spool-')),
    ...extra,
  };
}

export function runFixture(script: string, options: FixtureOptions = {}): Promise<FixtureResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
      cwd: options.cwd ?? repositoryRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let notified = false;
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (!notified && options.onLine !== undefined && stdout.includes(options.onLine.line)) {
        notified = true;
        options.onLine.then(child);
      }
    });
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `fixture ${script} did not finish in ${options.timeoutMillis ?? FIXTURE_TIMEOUT_MILLIS} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMillis ?? FIXTURE_TIMEOUT_MILLIS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setImmediate(() => resolve({ code, signal, stdout, stderr, elapsedMillis: Date.now() - started }));
    });
    child.on('error', reject);
  });
}
