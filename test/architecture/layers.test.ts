// The floors of src/ (README, Developing: layers) and the ban on import cycles, checked by dependency-cruiser with
// .dependency-cruiser.cjs: on the real tree, and on a copy with a planted bad import to show the rules catch it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs dependency-cruiser as a developer or CI would; its exit status is the number of errors it found. */
function runDepcruise(cwd: string, ...extra: string[]) {
  const result = spawnSync(process.execPath, [depcruise, '--config', '.dependency-cruiser.cjs', ...extra, 'src'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.error, undefined);
  return result;
}

/** The violations, read from the JSON report (whose reporter always exits 0). */
function violationsIn(cwd: string): Violation[] {
  return (JSON.parse(runDepcruise(cwd, '--output-type', 'json').stdout) as { summary: { violations: Violation[] } })
    .summary.violations;
}

const listed = (violations: Violation[]) =>
  violations.map((violation) => `${violation.rule.name}: ${violation.from} -> ${violation.to}`).join('\n');

test('src/ has no import cycle and no import pointing up the floors', () => {
  const result = runDepcruise(root);
  assert.equal(result.status, 0, result.stdout);
  assert.match(result.stdout, /no dependency violations found/);
});

test('the check fails on an import up the floors and on a cycle', (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'genai-otel-layers-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  for (const entry of ['src', 'tsconfig.json', '.dependency-cruiser.cjs'])
    cpSync(join(root, entry), join(copy, entry), { recursive: true });
  // Upward: the attributes in scope (floor 3) reaching for the LLM call helper (floor 5).
  appendFileSync(join(copy, 'src/context/scope.ts'), "\nimport '../genai/llm.ts';\n");
  // A cycle inside one folder, which no floor rule sees.
  writeFileSync(join(copy, 'src/core/cycle-a.ts'), "import { b } from './cycle-b.ts';\nexport const a = () => b;\n");
  writeFileSync(join(copy, 'src/core/cycle-b.ts'), "import { a } from './cycle-a.ts';\nexport const b = () => a;\n");

  assert.ok((runDepcruise(copy).status ?? 0) >= 2, 'depcruise exits with the number of errors');
  const found = listed(violationsIn(copy));
  assert.match(found, /^floor-3-context: src\/context\/scope\.ts -> src\/genai\/llm\.ts$/m);
  assert.match(found, /^no-circular: src\/core\/cycle-a\.ts -> src\/core\/cycle-b\.ts$/m);
});
