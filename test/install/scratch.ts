// Scratch applications for the install test: the tarball `npm pack` makes, installed the way users install it, in
// folders of their own under the system's temporary folder (never the repository's dist/ on the path).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Node 22 (node_modules/node) runs npm, pnpm and the apps; Node 24 runs the preload again. */
export const node22 = join(repositoryRoot, 'node_modules/node/bin/node');
export const node24 = join(repositoryRoot, 'node_modules/node24/bin/node');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of every child: Node 22 first on the PATH, no OTEL_* or GENAI_OTEL_* from the parent. */
export function childEnv(
  extra: Record<string, string | undefined> = {},
  nodeBin = node22,
): Record<string, string | undefined> {
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OTEL_') && !key.startsWith('GENAI_OTEL_') && !key.startsWith('npm_') && key !== 'NODE_OPTIONS')
      clean[key] = value;
  }
  return { ...clean, PATH: `${dirname(nodeBin)}:${process.env.PATH ?? ''}`, ...extra };
}

/** Runs a command to its end (killed after `timeoutMillis`), keeping what it printed. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMillis?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMillis ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails with everything the command printed when it did not exit 0. */
export function assertSucceeded(result: RunResult, what: string): RunResult {
  if (result.code !== 0)
    throw new Error(`${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  return result;
}

/** One temporary folder per test run, holding the tarball and every scratch app. */
export function scratchRoot(): string {
  return mkdtempSync(join(tmpdir(), 'genai-otel-install-'));
}

/** `npm pack` of the repository (its prepack script builds dist/) into `destination`; returns the tarball's path. */
export async function packRepository(destination: string): Promise<string> {
  assertSucceeded(
    await run('npm', ['pack', '--pack-destination', destination, '--silent'], {
      cwd: repositoryRoot,
      timeoutMillis: 300_000,
    }),
    'npm pack',
  );
  const tarball = readdirSync(destination).find((name) => name.startsWith('genai-otel-') && name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${destination}`);
  return join(destination, tarball);
}

/** A folder with a package.json (and `files`), ready for `npm install`. */
export function createApp(
  root: string,
  name: string,
  files: Record<string, string> = {},
  manifest: Record<string, unknown> = {},
): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: `scratch-${name}`, version: '1.0.0', private: true, ...manifest }, null, 2),
  );
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), text);
  }
  return folder;
}

/**
 * `npm install` as a user types it: no --legacy-peer-deps, no --force. The npm cache is reused (--prefer-offline).
 * Fails on an ERESOLVE, as an error or as an "overriding peer dependency" warning.
 */
export async function npmInstall(folder: string, packages: string[]): Promise<RunResult> {
  const result = assertSucceeded(
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn', ...packages], {
      cwd: folder,
      timeoutMillis: 480_000,
    }),
    `npm install ${packages.join(' ')}`,
  );
  if (/ERESOLVE/.test(result.stderr))
    throw new Error(`npm install ${packages.join(' ')} reported a peer dependency conflict:\n${result.stderr}`);
  return result;
}

/** The @opentelemetry/api folders installed anywhere under `folder`'s node_modules (one, when it is shared). */
export function apiCopies(folder: string): string[] {
  const found: string[] = [];
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('@')) {
        for (const scoped of readdirSync(join(modules, entry))) {
          const path = join(modules, entry, scoped);
          if (`${entry}/${scoped}` === '@opentelemetry/api') found.push(path);
          visit(join(path, 'node_modules'));
        }
      } else if (entry !== '.bin' && !entry.startsWith('.')) {
        visit(join(modules, entry, 'node_modules'));
      }
    }
  };
  visit(join(folder, 'node_modules'));
  return found;
}
