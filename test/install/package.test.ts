// The package as users get it: `npm pack` of the repository (once per run; its prepack script builds dist/), installed
// into scratch applications under the temporary folder, and run there: plain CommonJS and ES module apps, the CLI,
// an app on OpenTelemetry JS 2.x (API 1.9), one with @vercel/otel, one with the GenAI client libraries users combine
// genai-otel with, one installed by pnpm (strict node_modules), bundles made by esbuild, webpack, Rollup and Vite, type
// checks under node16/nodenext/bundler, and the preload on a Node.js older than supported.
// Run by scripts/run-tests.mjs once, on Node 22 (the preload runs on Node 24 too); `npm test` and `npm run
// release:check` include it. GENAI_OTEL_KEEP_SCRATCH=1 keeps the scratch folder for a look.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startOtlpReceiver, type OtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import {
  apiCopies,
  assertSucceeded,
  childEnv,
  createApp,
  node22,
  node24,
  npmInstall,
  packRepository,
  repositoryRoot,
  run,
  scratchRoot,
} from './scratch.ts';

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
    for (const resource of request.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) names.push(span.name);
  }
  return names;
}

let runs = 0;
/** Runs `node [nodeArgs] script` in `app` with spans going to a fresh folder; returns the run and the span names. */
async function runApp(app: string, nodeArgs: string[], options: { node?: string; env?: Record<string, string> } = {}) {
  const out = join(root, `spans-${(runs += 1)}`);
  const result = await run(options.node ?? node22, nodeArgs, {
    cwd: app,
    env: childEnv({ ...fileExport(out), ...options.env }, options.node ?? node22),
  });
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
  test('holds the builds (Node.js and edge), the preload entries, genai-otel/next, the CLI, the types, README, LICENSE, CHANGELOG and the notices of bundled packages, and nothing else', () => {
    const listing = execFileSync('tar', ['-tzvf', tarball], { encoding: 'utf8' }).trim().split('\n');
    const files = listing
      .map((line) =>
        line
          .split(/\s+/)
          .at(-1)!
          .replace(/^package\//, ''),
      )
      .sort();
    for (const required of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/cjs/index.cjs',
      'dist/cjs/register.cjs',
      'dist/cjs/next.cjs',
      'dist/edge/index.js',
      'dist/edge/next.js',
      'dist/types/next.d.ts',
      'dist/types/next.d.cts',
      'dist/esm/index.js',
      'dist/esm/register.js',
      'dist/cli/genai-otel.js',
      'dist/types/index.d.ts',
      'dist/types/index.d.cts',
      'dist/types/register.d.ts',
      'dist/types/register.d.cts',
      'dist/THIRD-PARTY-NOTICES.md',
    ]) {
      assert.ok(files.includes(required), `${required} is missing from the tarball: ${files.join(', ')}`);
    }
    const strays = files.filter(
      (file) =>
        !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/THIRD-PARTY-NOTICES\.md|dist\/(cjs|esm|edge|cli|types)\/.+\.(c?js|d\.c?ts))$/.test(
          file,
        ),
    );
    assert.deepEqual(strays, [], 'tests, sources, fixtures, bench or source maps were packed');
    const cli = listing.find((line) => line.endsWith('package/dist/cli/genai-otel.js'))!;
    assert.match(cli, /^-rwx/, 'the CLI has its run bit');
  });

  test('declares as runtime dependencies only what dist/ loads from outside the bundle, and the API as a peer', () => {
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}).sort(), [
      'import-in-the-middle',
      'require-in-the-middle',
      'yaml',
    ]);
    assert.deepEqual(Object.keys(manifest.peerDependencies ?? {}), ['@opentelemetry/api']);
    // Each bundle is over a megabyte: more than execFileSync's default buffer.
    const bundles = ['dist/cjs/index.cjs', 'dist/esm/index.js'].map((file) =>
      execFileSync('tar', ['-xzOf', tarball, `package/${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    );
    const loaded = new Set(
      bundles.flatMap((text) =>
        [...text.matchAll(/(?:require\(|from )"((?:@[\w.-]+\/)?[\w.:-]+)/g)].map((match) => match[1]!),
      ),
    );
    const undeclared = [...loaded].filter(
      (name) =>
        !name.startsWith('node:') &&
        !process.getBuiltinModule('node:module').isBuiltin(name) &&
        manifest.dependencies?.[name] === undefined &&
        manifest.peerDependencies?.[name] === undefined,
    );
    // The app's own, optional (README, pino and winston). Not an optional peer either: npm resolves an optional
    // peer's own peers, and the newest transport's (API ^1.10) then conflicts with an app on API 1.9 (ERESOLVE).
    assert.deepEqual(undeclared, ['@opentelemetry/winston-transport']);
  });
});

describe('a plain app', () => {
  let app: string;
  before(async () => {
    app = createApp(root, 'plain', {
      'app.cjs': llmCallCjs,
      'app.mjs': llmCallMjs,
      'preloaded.cjs': llmCallCjs.replace('start();\n', ''),
      'preloaded.mjs': llmCallMjs.replace('start();\n', ''),
    });
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
    const result = assertSucceeded(
      await run(join(app, 'node_modules/.bin/genai-otel'), ['--help'], { cwd: app }),
      'genai-otel --help',
    );
    assert.match(result.stdout, /Usage: genai-otel/);
  });

  test('one copy of @opentelemetry/api is installed', () => {
    assert.equal(apiCopies(app).length, 1);
  });
});

describe('types', () => {
  let app: string;
  const check = `import { start, getStatus, withLLMCall, ContextSpanProcessor, redactingSpanExporter, type GenAIOtelStatus } from 'genai-otel';
import 'genai-otel/register';
const status: GenAIOtelStatus = start({ serviceName: 'typed' });
void withLLMCall({ provider: 'openai', model: 'gpt-install' }, async () => 1);
void getStatus()?.tracing;
void [status, ContextSpanProcessor, redactingSpanExporter];
`;
  const tsconfig = (module: string, moduleResolution: string, file: string): string =>
    JSON.stringify({
      compilerOptions: { module, moduleResolution, strict: true, skipLibCheck: false, noEmit: true, types: [] },
      files: [file],
    });
  before(async () => {
    app = createApp(root, 'types', {
      'check.ts': check,
      'check.mts': check,
      'tsconfig.node16.json': tsconfig('node16', 'node16', 'check.ts'),
      'tsconfig.nodenext.json': tsconfig('nodenext', 'nodenext', 'check.mts'),
      'tsconfig.bundler.json': tsconfig('esnext', 'bundler', 'check.ts'),
    });
    await npmInstall(app, [tarball]);
  });

  for (const [label, file] of [
    ['a CommonJS project, moduleResolution node16', 'tsconfig.node16.json'],
    ['an ES module project, moduleResolution nodenext', 'tsconfig.nodenext.json'],
    ['moduleResolution bundler', 'tsconfig.bundler.json'],
  ] as const) {
    test(`the declarations compile with skipLibCheck false in ${label}`, async () => {
      const result = await run(node22, [join(repositoryRoot, 'node_modules/typescript/bin/tsc'), '-p', file], {
        cwd: app,
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
    });
  }
});

describe('bundled into the application', () => {
  let app: string;
  before(async () => {
    app = createApp(root, 'bundlers', {
      'entry.mjs': `import { start, getStatus, withLLMCall } from 'genai-otel';
start();
withLLMCall({ provider: 'openai', model: 'gpt-install' }, async () => 'ok').then(() => console.log('tracing=' + getStatus().tracing));
`,
    });
    await npmInstall(app, [tarball]);
  });
  const entry = (): string => join(app, 'entry.mjs');
  const bundlers: Record<string, (format: 'cjs' | 'esm', outfile: string) => Promise<void>> = {
    async esbuild(format, outfile) {
      const { build } = await import('esbuild');
      await build({
        entryPoints: [entry()],
        bundle: true,
        platform: 'node',
        format,
        outfile,
        logLevel: 'error',
        absWorkingDir: app,
      });
    },
    async webpack(format, outfile) {
      const { default: webpack } = await import('webpack');
      const output =
        format === 'esm'
          ? { module: true, chunkFormat: 'module' as const, library: { type: 'module' } }
          : { library: { type: 'commonjs2' } };
      await new Promise<void>((resolve, reject) => {
        webpack(
          {
            mode: 'production',
            target: 'node22',
            context: app,
            entry: entry(),
            optimization: { minimize: false },
            output: { path: join(outfile, '..'), filename: outfile.split('/').at(-1)!, ...output },
            experiments: { outputModule: format === 'esm' },
          },
          (error, stats) =>
            error !== null || stats?.hasErrors() === true
              ? reject(error ?? new Error(stats!.toString('errors-only')))
              : resolve(),
        );
      });
    },
    async rollup(format, outfile) {
      const { rollup } = await import('rollup');
      const { nodeResolve } = await import('@rollup/plugin-node-resolve');
      // Its types describe the CommonJS build; under nodenext the import's default is typed one level too deep.
      const commonjs = (await import('@rollup/plugin-commonjs')).default as unknown as () => import('rollup').Plugin;
      const bundle = await rollup({
        input: entry(),
        plugins: [nodeResolve({ exportConditions: ['node'], preferBuiltins: true }), commonjs()],
        onwarn: () => undefined,
      });
      await bundle.write({ file: outfile, format: format === 'esm' ? 'es' : 'cjs', inlineDynamicImports: true });
    },
  };
  for (const [name, bundle] of Object.entries(bundlers)) {
    for (const format of ['cjs', 'esm'] as const) {
      test(`${name}, ${format === 'cjs' ? 'CommonJS' : 'ES module'} output: the bundle runs and exports the span`, async () => {
        const outfile = join(app, 'out', `${name}.${format === 'cjs' ? 'cjs' : 'mjs'}`);
        await bundle(format, outfile);
        const result = await runApp(app, [outfile]);
        assertSucceeded(result, `${name} ${format} bundle`);
        assert.match(result.stdout, /tracing=registered/);
        assert.ok(result.spans.includes('chat gpt-install'), result.stderr);
      });
    }
  }
});

// A self-contained bundle, run from a folder with no node_modules: what genai-otel loads at run time must be in it.
// The app's openai client is wrapped with instrument(client) and pointed at a closed port: the failed call's span
// shows the instrumentation ran from the bundle. esbuild takes genai-otel/esbuild, Rollup and Vite (SSR build with
// `ssr.noExternal: true`, on Rolldown since Vite 8) take genai-otel/rollup, webpack needs nothing.
describe('a self-contained bundle (no node_modules next to it): esbuild with genai-otel/esbuild, Rollup and Vite with genai-otel/rollup, webpack as is', () => {
  let app: string;
  before(async () => {
    app = createApp(root, 'self-contained', {
      'entry.mjs': `import OpenAI from 'openai';
import { start, getStatus, instrument } from 'genai-otel';
start();
const openai = instrument(new OpenAI({ apiKey: 'test-key', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }));
await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
console.log('tracing=' + getStatus().tracing);
`,
    });
    await npmInstall(app, [tarball, join(repositoryRoot, 'node_modules/openai')]);
  });
  /** genai-otel's plugin module as the app resolves it (`import … from 'genai-otel/<name>'` in its build script). */
  const pluginModule = async <T>(name: 'esbuild' | 'rollup'): Promise<T> =>
    (await import(pathToFileURL(join(app, `node_modules/genai-otel/dist/esm/${name}.js`)).href)) as T;
  type RollupPlugin = import('rollup').Plugin;
  const bundlers: Record<string, { file: string; bundle: (outfile: string, withPlugin?: boolean) => Promise<void> }> = {
    esbuild: {
      file: 'app.mjs',
      async bundle(outfile, withPlugin) {
        const { build } = await import('esbuild');
        const { genaiOtelEsbuild } = await pluginModule<{ genaiOtelEsbuild: () => import('esbuild').Plugin }>(
          'esbuild',
        );
        await build({
          entryPoints: [join(app, 'entry.mjs')],
          bundle: true,
          platform: 'node',
          format: 'esm',
          outfile,
          logLevel: 'error',
          absWorkingDir: app,
          plugins: withPlugin === false ? [] : [genaiOtelEsbuild()],
        });
      },
    },
    rollup: {
      file: 'app.mjs',
      async bundle(outfile, withPlugin) {
        const { rollup } = await import('rollup');
        const { nodeResolve } = await import('@rollup/plugin-node-resolve');
        // Its types describe the CommonJS build; under nodenext the import's default is typed one level too deep.
        const commonjs = (await import('@rollup/plugin-commonjs')).default as unknown as () => RollupPlugin;
        const { genaiOtelRollup } = await pluginModule<{ genaiOtelRollup: () => RollupPlugin }>('rollup');
        const bundle = await rollup({
          input: join(app, 'entry.mjs'),
          plugins: [
            ...(withPlugin === false ? [] : [genaiOtelRollup()]),
            nodeResolve({ exportConditions: ['node'], preferBuiltins: true }),
            commonjs(),
          ],
          onwarn: () => undefined,
        });
        await bundle.write({ file: outfile, format: 'es', inlineDynamicImports: true });
      },
    },
    vite: {
      file: 'entry.mjs',
      async bundle(outfile, withPlugin) {
        const { build } = await import('vite');
        const { genaiOtelRollup } = await pluginModule<{ genaiOtelRollup: () => RollupPlugin }>('rollup');
        await build({
          root: app,
          configFile: false,
          logLevel: 'error',
          plugins: withPlugin === false ? [] : [genaiOtelRollup()],
          ssr: { noExternal: true, target: 'node' },
          build: { ssr: join(app, 'entry.mjs'), outDir: join(outfile, '..'), emptyOutDir: false, minify: false },
        });
      },
    },
    // webpack follows genai-otel's run-time requires by itself: no plugin.
    webpack: {
      file: 'app.cjs',
      async bundle(outfile) {
        const { default: webpack } = await import('webpack');
        await new Promise<void>((resolve, reject) => {
          webpack(
            {
              mode: 'production',
              target: 'node22',
              context: app,
              entry: join(app, 'entry.mjs'),
              optimization: { minimize: false },
              output: {
                path: join(outfile, '..'),
                filename: outfile.split('/').at(-1)!,
                library: { type: 'commonjs2' },
              },
            },
            (error, stats) =>
              error !== null || stats?.hasErrors() === true
                ? reject(error ?? new Error(stats!.toString('errors-only')))
                : resolve(),
          );
        });
      },
    },
  };
  for (const [name, { file, bundle }] of Object.entries(bundlers)) {
    test(`${name}: the bundle runs from an empty folder and its instrument(client) call is traced`, async () => {
      const alone = mkdtempSync(join(root, `alone-${name}-`));
      const outfile = join(alone, file);
      await bundle(outfile);
      const result = await runApp(alone, [outfile]);
      assertSucceeded(result, `${name} bundle`);
      assert.match(result.stdout, /tracing=registered/);
      assert.ok(result.spans.includes('chat gpt-4o-mini'), `${result.spans.join(', ')}\n${result.stderr}`);
    });
  }
  // (Rollup without it fails the same way; left out for time: a Rollup build here takes 15 to 25 s.)
  for (const name of ['esbuild', 'vite']) {
    test(`${name} without genai-otel's plugin: the bundle cannot find @opentelemetry/api (what the plugin is for)`, async () => {
      const { file, bundle } = bundlers[name]!;
      const without = join(mkdtempSync(join(root, `alone-${name}-plain-`)), file);
      await bundle(without, false);
      const plain = await runApp(join(without, '..'), [without]);
      assert.notEqual(plain.code, 0);
      assert.match(plain.stderr, /Cannot find module '@opentelemetry\/api'/);
    });
  }
});

describe("on a Node.js older than supported (the machine's own node)", () => {
  // The first `node` on the PATH outside the repository: v20 on these machines. Skipped where it is recent enough.
  const systemNode = execFileSync('sh', ['-c', 'command -v node'], {
    encoding: 'utf8',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  }).trim();
  const version =
    systemNode === '' ? '' : execFileSync(systemNode, ['--version'], { encoding: 'utf8' }).trim().slice(1);
  const old = version !== '' && Number(version.split('.')[0]) < 22;
  let app: string;
  before(async () => {
    if (!old) return;
    app = createApp(root, 'old-node', {
      'app.cjs': "console.log('app ran');\n",
      'app.mjs': "console.log('app ran');\n",
    });
    await npmInstall(app, [tarball]);
  });
  const oldEnv = (): Record<string, string | undefined> => ({
    ...childEnv(fileExport(join(root, 'old-node-spans'))),
    PATH: `${systemNode.replace(/\/node$/, '')}:/usr/bin:/bin`,
  });

  for (const [flag, script] of [
    ['--require', 'app.cjs'],
    ['--import', 'app.mjs'],
  ] as const) {
    test(
      `${flag} genai-otel/register says which Node it needs in one line, and the app runs without telemetry`,
      { skip: old ? false : `node on the PATH is ${version}` },
      async () => {
        const result = await run(systemNode, [flag, 'genai-otel/register', script], { cwd: app, env: oldEnv() });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, 'app ran\n');
        assert.equal(
          result.stderr,
          `genai-otel: Node.js ${version} is not supported (genai-otel needs Node.js 22.15.0 or later); the application runs without telemetry\n`,
        );
      },
    );
  }

  test(
    'the genai-otel command says the same and exits non-zero',
    { skip: old ? false : `node on the PATH is ${version}` },
    async () => {
      const result = await run(join(app, 'node_modules/.bin/genai-otel'), ['--help'], { cwd: app, env: oldEnv() });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        new RegExp(
          `^genai-otel: Node\\.js ${version.replaceAll('.', '\\.')} is not supported \\(genai-otel needs Node\\.js 22\\.15\\.0 or later\\); install a newer Node\\.js, or put it first on the PATH\\n$`,
        ),
      );
    },
  );
});

/**
 * A copy of `app` with @opentelemetry/api 1.10 nested under genai-otel: the layout `npm install` made while genai-otel
 * depended on the API ^1.10 instead of sharing the app's. Returns the copy and both versions.
 */
function withSecondApiCopy(app: string, name: string): { copy: string; ours: string; theirs: string } {
  const copy = createApp(root, name);
  cpSync(app, copy, { recursive: true });
  const nested = join(copy, 'node_modules/genai-otel/node_modules/@opentelemetry/api');
  cpSync(join(repositoryRoot, 'node_modules/@opentelemetry/api'), nested, { recursive: true });
  const versionAt = (folder: string): string =>
    (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string }).version;
  return { copy, ours: versionAt(nested), theirs: versionAt(join(copy, 'node_modules/@opentelemetry/api')) };
}

/**
 * Runs `script` in a copy of `app` that has a second API copy (withSecondApiCopy): the app's own OpenTelemetry set-up
 * registers through its API first, genai-otel's copy cannot reach it. One line must name both versions and the fix,
 * the status must say off, and no span is claimed.
 */
async function assertSecondApiCopyReported(app: string, name: string, script: string): Promise<void> {
  const { copy, ours, theirs } = withSecondApiCopy(app, name);
  assert.notEqual(ours, theirs);
  const result = await runApp(copy, [script]);
  assertSucceeded(result, `${script} with two API copies`);
  assert.match(result.stdout, /tracing=off/);
  assert.deepEqual(result.spans, []);
  const lines = result.stderr.split('\n').filter((line) => line.includes('two copies of @opentelemetry/api'));
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(lines[0]!.includes(ours) && lines[0]!.includes(theirs) && lines[0]!.includes('Fix:'), lines[0]);
}

for (const otel of [
  {
    major: '2.x',
    sdkNode: '@opentelemetry/sdk-node@^0.223.0',
    api: '@opentelemetry/api@^1.9.0',
    apiVersion: /^1\.9\./,
    sdkTrace: '@opentelemetry/sdk-trace-base',
    processorOptions: 'theirs',
  },
  {
    major: '3.x',
    sdkNode: '@opentelemetry/sdk-node@^0.301.0',
    api: '@opentelemetry/api@^1.10.0',
    apiVersion: /^1\.10\./,
    sdkTrace: '@opentelemetry/sdk-trace',
    processorOptions: '{ exporter: theirs }',
  },
]) {
  describe(`an app on OpenTelemetry JS ${otel.major} (${otel.sdkNode.replace('@opentelemetry/', '')})`, () => {
    let app: string;
    before(async () => {
      app = createApp(root, `otel-${otel.major}`, {
        'sdk-first.cjs': `// The app's NodeSDK starts first, then genai-otel joins it.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { SimpleSpanProcessor, InMemorySpanExporter } = require('${otel.sdkTrace}');
const theirs = new InMemorySpanExporter();
new NodeSDK({ spanProcessors: [new SimpleSpanProcessor(${otel.processorOptions})], instrumentations: [] }).start();
${llmCallCjs}
process.on('exit', () => console.log('theirs=' + theirs.getFinishedSpans().map((span) => span.name).join(',')));
`,
        'sdk-after.cjs': `// genai-otel preloaded: the app's NodeSDK starts after it.
const { NodeSDK } = require('@opentelemetry/sdk-node');
new NodeSDK({ instrumentations: [] }).start();
${llmCallCjs.replace('start();\n', '')}`,
      });
      await npmInstall(app, [otel.sdkNode, otel.api, tarball]);
    });

    test(`installs without a peer conflict, sharing the app's one @opentelemetry/api`, () => {
      const copies = apiCopies(app);
      assert.equal(copies.length, 1, copies.join(', '));
      assert.match(
        (JSON.parse(readFileSync(join(copies[0]!, 'package.json'), 'utf8')) as { version: string }).version,
        otel.apiVersion,
      );
    });

    test(`started after the app's NodeSDK, genai-otel attaches to it and its spans reach both exporters`, async () => {
      const result = await runApp(app, ['sdk-first.cjs']);
      assertSucceeded(result, 'sdk-first.cjs');
      assert.match(result.stdout, /tracing=attached-to-existing/);
      assert.match(result.stdout, /theirs=.*chat gpt-install/);
      assert.ok(result.spans.includes('chat gpt-install'), result.stderr);
    });

    test(`preloaded before the app's NodeSDK, genai-otel registers and exports`, async () => {
      for (const flag of ['--require', '--import']) {
        const result = await runApp(app, [flag, 'genai-otel/register', 'sdk-after.cjs']);
        assertSucceeded(result, `${flag} sdk-after.cjs`);
        assert.match(result.stdout, /tracing=registered/);
        assert.ok(result.spans.includes('chat gpt-install'), result.stderr);
      }
    });

    if (otel.major === '2.x') {
      test('with a second copy of the API (1.10 nested under genai-otel), one line names both versions and the status says off', async () => {
        await assertSecondApiCopyReported(app, 'otel-2.x-two-apis', 'sdk-first.cjs');
      });
    }
  });
}

describe('an app with @vercel/otel', () => {
  let app: string;
  const vercelFirst = `// @vercel/otel set up first (as a Next.js instrumentation.ts does), then genai-otel joins it.
const { registerOTel } = require('@vercel/otel');
registerOTel({ serviceName: 'vercel-app', traceExporter: { export: (spans, done) => done({ code: 0 }), shutdown: async () => undefined } });
${llmCallCjs}`;
  before(async () => {
    app = createApp(root, 'vercel', { 'vercel-first.cjs': vercelFirst });
    await npmInstall(app, ['@vercel/otel', tarball]);
  });

  test('shares one @opentelemetry/api, attaches to the provider @vercel/otel registered, and its spans are exported', async () => {
    assert.equal(apiCopies(app).length, 1, apiCopies(app).join(', '));
    const result = await runApp(app, ['vercel-first.cjs']);
    assertSucceeded(result, 'vercel-first.cjs');
    assert.match(result.stdout, /tracing=attached-to-existing/);
    assert.ok(result.spans.includes('chat gpt-install'), result.stderr);
    assert.doesNotMatch(result.stderr, /two copies/);
  });

  test('with a second copy of the API (1.10 nested under genai-otel, as an older genai-otel installed), one line names both and the status says off', async () => {
    await assertSecondApiCopyReported(app, 'vercel-two-apis', 'vercel-first.cjs');
  });
});

describe('an app with the GenAI client libraries', () => {
  const libraries = [
    'openai',
    '@anthropic-ai/sdk',
    'ai',
    '@langchain/core',
    '@openai/agents',
    '@modelcontextprotocol/sdk',
    '@mistralai/mistralai',
    '@google/genai',
    '@aws-sdk/client-bedrock-runtime',
  ];
  const importable: Record<string, string> = {
    '@modelcontextprotocol/sdk': '@modelcontextprotocol/sdk/client/index.js',
    '@langchain/core': '@langchain/core/messages',
  };
  let app: string;
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
    app = createApp(root, 'genai', {
      'app.mjs': `// Loads every client library, then makes one LLM call under the preload.
${libraries.map((name, index) => `import * as library${index} from '${importable[name] ?? name}';`).join('\n')}
import { getStatus, withLLMCall } from 'genai-otel';
for (const library of [${libraries.map((_, index) => `library${index}`).join(', ')}]) if (Object.keys(library).length === 0) throw new Error('a library exported nothing');
await withLLMCall({ provider: 'openai', model: process.env.MODEL }, async () => 'ok');
console.log('tracing=' + getStatus().tracing + ' instrumentations=' + getStatus().instrumentations.join(','));
`,
    });
    await npmInstall(app, [...libraries, tarball]);
  });
  after(async () => {
    await receiver?.close();
  });

  test('installs beside all of them without a peer conflict, with one @opentelemetry/api', () => {
    assert.equal(apiCopies(app).length, 1, apiCopies(app).join(', '));
  });

  for (const [label, node] of [
    ['Node 22', node22],
    ['Node 24', node24],
  ] as const) {
    for (const flag of ['--import', '--require']) {
      test(`${flag} genai-otel/register on ${label}: the libraries load, their instrumentations are on, the span reaches the OTLP receiver`, async () => {
        const model = `gpt-install-${label.replace(' ', '')}${flag}`;
        const result = await run(node, [flag, 'genai-otel/register', 'app.mjs'], {
          cwd: app,
          env: childEnv(
            {
              OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
              OTEL_METRICS_EXPORTER: 'none',
              OTEL_LOGS_EXPORTER: 'none',
              OTEL_BSP_SCHEDULE_DELAY: '50',
              GENAI_OTEL_SPOOL_DIR: join(root, 'spool'),
              MODEL: model,
            },
            node,
          ),
        });
        assertSucceeded(result, `genai app ${flag} ${label}`);
        assert.match(result.stdout, /tracing=registered instrumentations=/);
        // Listed once patched: their ES modules are patched through the loader hook of --import only.
        if (flag === '--import') {
          assert.match(result.stdout, /instrumentations=.*openai/);
          assert.match(result.stdout, /instrumentations=.*anthropic/);
        }
        await receiver.waitFor('spans', (spans) => spans.some((span) => span.name === `chat ${model}`), 10_000);
      });
    }
  }
});

describe('installed by pnpm (strict node_modules)', () => {
  let app: string;
  before(async () => {
    app = createApp(root, 'pnpm', {
      'app.cjs': llmCallCjs,
      'preloaded.cjs': llmCallCjs.replace('start();\n', ''),
      'preloaded.mjs': llmCallMjs.replace('start();\n', ''),
    });
    // Only what the app declares is visible to it, and only what genai-otel declares is visible to genai-otel.
    assertSucceeded(
      await run(
        'npx',
        ['--yes', 'pnpm@10', 'add', tarball, '--prefer-offline', '--store-dir', join(root, 'pnpm-store')],
        { cwd: app, timeoutMillis: 300_000 },
      ),
      'pnpm add',
    );
  });

  for (const [label, args] of [
    ['require()', ['app.cjs']],
    ['--require genai-otel/register', ['--require', 'genai-otel/register', 'preloaded.cjs']],
    ['--import genai-otel/register', ['--import', 'genai-otel/register', 'preloaded.mjs']],
  ] as const) {
    test(`${label}: the span is exported`, async () => {
      const result = await runApp(app, [...args]);
      assertSucceeded(result, `pnpm ${label}`);
      assert.match(result.stdout, /tracing=registered/);
      assert.ok(result.spans.includes('chat gpt-install'), result.stderr);
      assert.equal(result.stderr, '');
    });
  }
});
