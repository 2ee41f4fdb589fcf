// Apps started through the preload that keep running while a test does something else: several at once writing one
// folder, one killed mid-run. An app that prints `ready` as its first line is ready (see store-writer-until-stopped.cjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { fixture, repositoryRoot } from './run-fixture.ts';

export interface RunningApp {
  child: ChildProcess;
  /** Resolves once the app printed `ready` (or ended without it). */
  ready: Promise<void>;
  /** Resolves when it ends, with what it printed; rejects if it runs over 120 s (it is killed then). */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * Starts the fixture `script` with `--require genai-otel/register` and `env`, from the repository's root.
 *
 * @example
 * const writer = startApp('store-writer-until-stopped.cjs', env);
 * await writer.ready;
 */
export function startApp(script: string, env: Record<string, string | undefined>): RunningApp {
  const child = spawn(process.execPath, ['--require', 'genai-otel/register', fixture(script)], {
    cwd: repositoryRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not end in 120 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, ready: Promise.race([ready, done.then(() => undefined)]), done };
}

/** The last line an app printed, as JSON. @example lastLine<{ spans: number }>(run.stdout).spans */
export function lastLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
