// The README is the contract with users: every setting and every public function must be in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALL_VARIABLES } from '../../src/config/variables.ts';
import * as api from '../../src/index.ts';
import packageJson from '../../package.json' with { type: 'json' };

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('every environment variable is in the README table with its default', () => {
  for (const variable of ALL_VARIABLES) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
    assert.ok(row, `${variable.name} has a row`);
    const cells = row.split('|').map((cell) => cell.trim());
    const documentedDefault = cells[2]!.replaceAll('`', '');
    const expected = variable.defaultValue;
    assert.ok(documentedDefault === expected || (expected === '' && documentedDefault === ''), `${variable.name}: README says "${documentedDefault}", code says "${expected}"`);
  }
});

test('every public function is documented in the README', () => {
  for (const [name, value] of Object.entries(api)) {
    if (typeof value !== 'function') continue;
    assert.ok(readme.includes(`${name}(`) || readme.includes(`\`${name}\``), `${name} is documented`);
  }
});

test('the README commands exist as npm scripts', () => {
  assert.ok(readme.includes('npm install && npm run demo'));
  assert.ok(packageJson.scripts.demo);
  assert.ok(packageJson.scripts.test);
});
