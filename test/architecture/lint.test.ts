// Lint and format (README, Developing): ESLint with eslint.config.js and Prettier with .prettierrc.json over the whole
// tree, as `npm run lint` and `npm run format:check` do; both must find nothing.
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
