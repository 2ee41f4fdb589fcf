// Each file of src/ has a name of its own, so that a search result or a stack trace says which file it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';

test('no two files of src/ share a basename (index.ts aside: a folder entry)', () => {
  const files = readdirSync(new URL('../../src/', import.meta.url), { recursive: true, encoding: 'utf8' }).filter(
    (path) => path.endsWith('.ts'),
  );
  const seen = new Map<string, string[]>();
  for (const path of files) seen.set(basename(path), [...(seen.get(basename(path)) ?? []), path]);
  const reused = [...seen].filter(([name, paths]) => name !== 'index.ts' && paths.length > 1);
  assert.ok(files.length > 100, 'the walk found the sources');
  assert.deepEqual(reused, []);
});
