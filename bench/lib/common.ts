// Shared pieces of the benchmark: statistics, child processes, ports, a throw-away app folder.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A local port with nothing listening on it (a collector that is away): the tests' helper.
export { closedPort } from '../../test/support/ports.ts';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Every folder the bench makes (app folders, spools, compile cache) lives here and is removed at exit. */
const scratch = mkdtempSync(join(tmpdir(), 'genai-otel-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
export const scratchFolder = (prefix: string): string => mkdtempSync(join(scratch, `${prefix}-`));
export const benchFile = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One line of the final table. `ratio` is genai-otel over its baseline (lower is better) unless said otherwise. */
export interface BenchRow {
  figure: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  /** undefined: not applicable (informational row, or not measurable here). */
  met?: boolean;
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
export const us = (nanoseconds: number): string => `${(nanoseconds / 1000).toFixed(2)} µs`;
export const times = (value: number): string => `${value.toFixed(2)}x`;

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMillis: number;
}

/** Runs `node args` and resolves when it exits (killed after `timeoutMillis`). */
export function runNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMillis?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? repositoryRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMillis ?? 120_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const wallMillis = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      setImmediate(() => resolve({ code, signal, stdout, stderr, wallMillis }));
    });
  });
}

/** Runs a worker that prints one JSON line last, and returns it parsed. */
export async function runWorker<T>(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMillis?: number } = {},
): Promise<T> {
  const result = await runNode(args, options);
  const lastLine = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(lastLine) as T;
  } catch {
    throw new Error(
      `worker ${args.join(' ')} failed (code ${result.code}, signal ${result.signal})\nstdout: ${result.stdout.slice(-2000)}\nstderr: ${result.stderr.slice(-2000)}`,
    );
  }
}

/**
 * A folder like a user's app: `genai-otel` resolves (as installed, through a link to this repository), and no LLM
 * client or logging library does, so nothing but the SDK itself is loaded at start-up.
 */
export function appFolder(): string {
  const folder = scratchFolder('app');
  mkdirSync(join(folder, 'node_modules'));
  symlinkSync(repositoryRoot, join(folder, 'node_modules', 'genai-otel'), 'dir');
  return folder;
}

/** The parent's environment without OTEL_* / GENAI_OTEL_* settings, plus `extra`. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !key.startsWith('OTEL_') &&
      !key.startsWith('GENAI_OTEL_') &&
      key !== 'NODE_OPTIONS' &&
      key !== 'NODE_COMPILE_CACHE'
    )
      env[key] = value;
  }
  return { ...env, ...extra };
}

export const freshSpool = (): string => scratchFolder('spool');

export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
