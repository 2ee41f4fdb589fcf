// The package as users get it: `npm pack` of the repository (once per run; its prepack script builds dist/), installed
// into scratch applications under the temporary folder, and run there: plain CommonJS and ES module apps, the CLI,
// an app on OpenTelemetry JS 2.x (API 1.9), one with @vercel/otel, one with the GenAI client libraries users combine
// genai-otel with, one installed by pnpm (strict node_modules), bundles made by esbuild, webpack and Rollup, type
// checks under node16/nodenext/bundler, and the preload on a Node.js older than supported.
// Run by scripts/run-tests.mjs once, on Node 22 (the preload runs on Node 24 too); `npm test` and `npm run
// release:check` include it. GENAI_OTEL_KEEP_SCRATCH=1 keeps the scratch folder for a look.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { apiCopies, assertSucceeded, childEnv, createApp, node22, node24, npmInstall, packRepository, repositoryRoot, run, scratchRoot } from './scratch.ts';

const root = scratchRoot();
let tarball: string;
before(async () => {
  tarball = await packRepository(root);
});
after(() => {
  if (process.env.GENAI_OTEL_KEEP_SCRATCH === '1') console.log(`scratch apps kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

/** Settings that send spans to the `file` exporter in `folder`, and nothing over the network. */
const fileExport = (folder: string): Record<string, string> => ({
  OTEL_TRACES_EXPORTER: 'file',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  GENAI_OTEL_FILE_DIR: folder,
  OTEL_BSP_SCHEDULE_DELAY: '50',
});

/** Names of the spans the `file` exporter wrote into `folder`. */
function exportedSpanNames(folder: string): string[] {
  const file = join(folder, 'traces.jsonl');
  if (!existsSync(file)) return [];
  const names: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as { resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[] };
    for (const resource of request.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) names.push(span.name);
  }
  return names;
}

let runs = 0;
/** Runs `node [nodeArgs] script` in `app` with spans going to a fresh folder; returns the run and the span names. */
async function runApp(app: string, nodeArgs: string[], options: { node?: string; env?: Record<string, string> } = {}) {
  const out = join(root, `spans-${(runs += 1)}`);
  const result = await run(options.node ?? node22, nodeArgs, { cwd: app, env: childEnv({ ...fileExport(out), ...options.env }, options.node ?? node22) });
  return { ...result, spans: exportedSpanNames(out) };
}

// One LLM call, then the tracing status: every app below prints `tracing=<status>` and makes a `chat gpt-install` span.
const llmCallCjs = `const { start, getStatus, withLLMCall } = require('genai-otel');
start();
withLLMCall({ provider: 'openai', model: 'gpt-install' }, async () => 'ok').then(() => console.log('tracing=' + getStatus().tracing));
`;
const llmCallMjs = `import { start, getStatus, withLLMCall } from 'genai-otel';
start();
await withLLMCall({ provider: 'openai', model: 'gpt-install' }, async () => 'ok');
console.log('tracing=' + getStatus().tracing);
`;

describe('the tarball', () => {
  test('holds the builds, the preload entries, the CLI, the types, README, LICENSE and CHANGELOG, and nothing else', () => {
    const listing = execFileSync('tar', ['-tzvf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const files = listing.map((line) => line.split(/\s+/).at(-1)!.replace(/^package\//, '')).sort();
    for (const required of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/cjs/index.cjs',
      'dist/cjs/register.cjs',
      'dist/esm/index.js',
      'dist/esm/register.js',
      'dist/cli/genai-otel.js',
      'dist/types/index.d.ts',
      'dist/types/index.d.cts',
      'dist/types/register.d.ts',
      'dist/types/register.d.cts',
    ]) {
      assert.ok(files.includes(required), `${required} is missing from the tarball: ${files.join(', ')}`);
    }
    const strays = files.filter((file) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/(cjs|esm|cli|types)\/.+\.(c?js|d\.c?ts))$/.test(file));
    assert.deepEqual(strays, [], 'tests, sources, fixtures, bench or source maps were packed');
    const cli = listing.find((line) => line.endsWith('package/dist/cli/genai-otel.js'))!;
    assert.match(cli, /^-rwx/, 'the CLI has its run bit');
  });

  test('declares as runtime dependencies only what dist/ loads from outside the bundle, and the API as a peer', () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}).sort(), ['import-in-the-middle', 'require-in-the-middle', 'yaml']);
    assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}), ['@opentelemetry/api']);
    const bundles = ['dist/cjs/index.cjs', 'dist/esm/index.js'].map((file) => execFileSync('tar', ['-xzOf', tarball, `package/${file}`], { encoding: 'utf8' }));
    const loaded = new Set(bundles.flatMap((text) => [...text.matchAll(/(?:require\(|from )"((?:@[\w.-]+\/)?[\w.:-]+)/g)].map((match) => match[1]!)));
    const undeclared = [...loaded].filter((name) => !name.startsWith('node:') && !process.getBuiltinModule('node:module').isBuiltin(name) && manifest.dependencies?.[name] === undefined && manifest.peerDependencies?.[name] === undefined);
    // @opentelemetry/winston-transport is the application's own, optional (see README, Logs).
    assert.deepEqual(undeclared, ['@opentelemetry/winston-transport']);
  });
});

describe('a plain app', () => {
  let app: string;
  before(async () => {
    app = createApp(root, 'plain', { 'app.cjs': llmCallCjs, 'app.mjs': llmCallMjs, 'preloaded.cjs': llmCallCjs.replace('start();\n', ''), 'preloaded.mjs': llmCallMjs.replace('start();\n', '') });
    await npmInstall(app, [tarball]);
  });

  for (const [label, args] of [
    ['require()', ['app.cjs']],
    ['import', ['app.mjs']],
    ['--require genai-otel/register', ['--require', 'genai-otel/register', 'preloaded.cjs']],
    ['--import genai-otel/register', ['--import', 'genai-otel/register', 'preloaded.mjs']],
  ] as const) {
    test(`${label}: the span is exported`, async () => {
      const result = await runApp(app, [...args]);
      assertSucceeded(result, label);
      assert.match(result.stdout, /tracing=registered/);
      assert.ok(result.spans.includes('chat gpt-install'), `spans: ${result.spans.join(', ')}\n${result.stderr}`);
      assert.equal(result.stderr, '');
    });
  }

  test('the preload also works on Node 24', async () => {
    const result = await runApp(app, ['--import', 'genai-otel/register', 'preloaded.mjs'], { node: node24 });
    assertSucceeded(result, 'Node 24 preload');
    assert.ok(result.spans.includes('chat gpt-install'));
  });

  test('the genai-otel command runs from node_modules/.bin', async () => {
    const result = assertSucceeded(await run(join(app, 'node_modules/.bin/genai-otel'), ['--help'], { cwd: app }), 'genai-otel --help');
    assert.match(result.stdout, /Usage: genai-otel/);
  });

  test('one copy of @opentelemetry/api is installed', () => {
    assert.equal(apiCopies(app).length, 1);
  });
});
