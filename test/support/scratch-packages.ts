// Client libraries that cannot be devDependencies of this repository, installed once into a folder of their own
// under node_modules/.cache (reused by later runs): @mistralai/mistralai 2 declares optional peers on OpenTelemetry
// packages older than ours, which npm refuses in one tree. Installed with npm from the registry, as a user would.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { childEnv, repositoryRoot, run } from '../install/scratch.ts';

const CACHE = join(repositoryRoot, 'node_modules/.cache/genai-otel-scratch');

/** The folder `scratchRequire(folder, ...)` installs into. */
export function scratchFolder(folder: string): string {
  return join(CACHE, folder);
}

/**
 * A `require` that resolves from a folder where `specs` are installed (`npm install --legacy-peer-deps`); the folder is
 * inside the repository, so packages it lacks (`@opentelemetry/api`) resolve to the repository's copies.
 */
export async function scratchRequire(folder: string, specs: string[]): Promise<NodeJS.Require> {
  const directory = scratchFolder(folder);
  const marker = join(directory, 'installed.json');
  const wanted = JSON.stringify(specs);
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== wanted) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    writeFileSync(join(directory, 'package.json'), JSON.stringify({ name: `scratch-${folder}`, private: true }));
    const result = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--legacy-peer-deps', '--no-package-lock', ...specs],
      { cwd: directory, env: childEnv(), timeoutMillis: 180_000 },
    );
    if (result.code !== 0) throw new Error(`npm install ${specs.join(' ')} failed:\n${result.stderr}`);
    writeFileSync(marker, wanted);
  }
  return createRequire(join(directory, 'package.json'));
}
