// genai-otel's own names (genai_otel.*) are spelled once, in src/attributes/names.ts, and the README's table of them
// lists each one (issue 20).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as names from '../../../src/attributes/names.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const ours = (Object.values(names) as unknown[]).filter(
  (value): value is string => typeof value === 'string' && value.startsWith('genai_otel.'),
);

/** The README table's names, with `.suffix` shorthands expanded against the name before them in the same cell. */
function readmeNames(): Set<string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf("genai-otel's own names are all under"),
    readme.indexOf('## Developing genai-otel'),
  );
  const found = new Set<string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `genai_otel.'))) {
    const cell = row.split('|')[1]!;
    let base = '';
    for (const [, name] of cell.matchAll(/`([^`]+)`/g)) {
      if (name!.startsWith('genai_otel.')) {
        found.add(name!);
        base = name!.split('.').slice(0, -1).join('.');
      } else if (name!.startsWith('.')) {
        // `.to_agent` after `genai_otel.handoff.from_agent`; `.client.retries` after `genai_otel.client.cost`.
        const depth = name!.split('.').length - 1;
        found.add(
          `${base
            .split('.')
            .slice(0, Math.max(1, base.split('.').length - depth + 1))
            .join('.')}${name}`,
        );
      }
    }
  }
  return found;
}

test('every genai_otel.* name of names.ts is in the README table of our own names', () => {
  const documented = readmeNames();
  assert.ok(ours.length > 40, `${ours.length} names`);
  assert.deepEqual(
    ours.filter((name) => !documented.has(name)),
    [],
  );
});

test('no genai_otel.* name is spelled outside names.ts (doc comments and prefix checks aside)', () => {
  const strays: string[] = [];
  for (const file of sources(join(root, 'src'))) {
    if (file.endsWith(join('attributes', 'names.ts'))) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim().startsWith('*') || line.trim().startsWith('//')) return;
      for (const [, name] of line.matchAll(/'(genai_otel\.[a-z0-9_.]+)'/g)) {
        // Prefix tests (`startsWith('genai_otel.exporter.')`) and the no-op instruments' placeholder are not names.
        if (name!.endsWith('.') || name === 'genai_otel.unused') continue;
        strays.push(`${relative(root, file)}:${index + 1} ${name}`);
      }
    });
  }
  assert.deepEqual(strays, []);
});
