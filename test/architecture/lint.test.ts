// Lint, format and types (README, Developing): ESLint with eslint.config.js, Prettier with .prettierrc.json and tsc
// with tsconfig.json over the whole tree, as `npm run lint`, `npm run format:check` and `npm run typecheck` do; all must
// find nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

function run(script: string, ...args: string[]) {
  return spawnSync(process.execPath, [join(root, script), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

test('ESLint finds no problem in the tree (npm run lint)', { timeout: 180_000 }, () => {
  const result = run('node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.');
  assert.equal(result.status, 0, `npm run lint failed:\n${result.stdout}${result.stderr}`);
});

test(
  'the tree is formatted as Prettier writes it (npm run format:check; npm run format fixes it)',
  { timeout: 120_000 },
  () => {
    const result = run('node_modules/prettier/bin/prettier.cjs', '--check', '.');
    assert.equal(result.status, 0, `npm run format:check failed:\n${result.stdout}${result.stderr}`);
  },
);

// The build type-checks src/ only (tsconfig.build.json); tests, benches and examples are type-checked here, so that a
// strict-mode error anywhere in the tree fails `npm test` rather than waiting for the next editor to open the file.
test('tsc finds no type error in the whole tree (npm run typecheck)', { timeout: 300_000 }, () => {
  const result = run('node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit');
  assert.equal(result.status, 0, `npm run typecheck failed:\n${result.stdout}${result.stderr}`);
});
