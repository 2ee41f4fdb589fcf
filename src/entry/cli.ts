// The `genai-otel` executable (package.json "bin"), built to dist/cli/genai-otel.js. Its `#!/usr/bin/env node` runs
// whatever Node is first on the PATH: an older one is told so, before the commands (a chunk of their own) are loaded.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { unsupportedNodeMessage } from './node-version.ts';
import { READING_FLAGS } from './reading-flags.ts';

/** The commands that stream telemetry through JSON.parse (import too): most of what they allocate dies young. */
const READING_COMMANDS = new Set(['report', 'traces', 'sessions', 'export', 'import']);
/** Whether this process already runs with READING_FLAGS' heap sizes (V8 reads them only at start-up). */
function runsWithFlag(): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) =>
    arg.startsWith('--max-semi-space-size'),
  );
}

/** Runs this command again in a child with the flag; false when no child could be started (then run it here). */
async function respawn(): Promise<boolean> {
  const child = spawn(process.execPath, [...READING_FLAGS, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches the child too (same process group): this process only waits for its answer.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>((resolve) => {
    child.on('error', () => resolve(undefined));
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  if (result === undefined) return false;
  process.exitCode = result.code ?? 128 + (result.signal === null ? 0 : (constants.signals[result.signal] ?? 0));
  return true;
}

const problem = unsupportedNodeMessage(process.versions.node, 'install a newer Node.js, or put it first on the PATH');
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
} else if (!READING_COMMANDS.has(process.argv[2] ?? '') || runsWithFlag() || !(await respawn())) {
  await import('../cli/main.ts');
}
