// importedFile(): the file an `import` of a package loads for code in a folder, as Node's ES module resolver picks it
// (the `exports` conditions in their order, else `main`), found without loading anything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importedFile } from '../../../src/instrumentations/esm-copies.ts';
import { repositoryRoot } from '../../support/run-fixture.ts';

let root: string;
before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'genai-otel-esm-copies-')));
});
after(() => rmSync(root, { recursive: true, force: true }));

function installed(name: string, manifest: unknown, files: string[]): void {
  const folder = join(root, 'node_modules', name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const file of files) writeFileSync(join(folder, file), '');
}

test('the real openai package: its ES module entry (the `default` of ".", not the `require` one)', () => {
  const found = importedFile('openai', repositoryRoot);
  assert.equal(found?.file, realpathSync(join(repositoryRoot, 'node_modules/openai/index.mjs')));
  assert.equal(found?.packageDir, realpathSync(join(repositoryRoot, 'node_modules/openai')));
});

test('conditions are taken in the order of the exports map; a package without exports gives its main', () => {
  installed('ordered', { exports: { '.': { require: './a.cjs', import: './b.mjs', default: './c.js' } } }, [
    'a.cjs',
    'b.mjs',
    'c.js',
  ]);
  assert.equal(importedFile('ordered', root)?.file, join(root, 'node_modules/ordered/b.mjs'));
  installed('plain', { main: 'lib/main.js' }, []);
  mkdirSync(join(root, 'node_modules/plain/lib'));
  writeFileSync(join(root, 'node_modules/plain/lib/main.js'), '');
  assert.equal(importedFile('plain', root)?.file, join(root, 'node_modules/plain/lib/main.js'));
});

test('not installed, a missing target or a malformed package.json: undefined, never an error', () => {
  assert.equal(importedFile('not-installed-anywhere', root), undefined);
  installed('missing-target', { exports: './gone.js' }, []);
  assert.equal(importedFile('missing-target', root), undefined);
  installed('malformed', '{ "exports": ', []);
  assert.equal(importedFile('malformed', root), undefined);
});
