// Builds dist/: ESM and CommonJS bundles of our code and of the OpenTelemetry SDK packages it uses, then type
// declarations with tsc. Bundling the SDK (core, resources, sdk-trace/metrics/logs, the OTLP serializers, ...) makes
// the preload load a few files instead of ~250 modules: start-up time is mostly module loading (see bench/).
// The instrumentation packages (@opentelemetry/instrumentation, -openai, -pino, -winston) are bundled too: as
// dependencies they would each peer-require an exact @opentelemetry/api minor and fight the app's own OpenTelemetry
// packages at install time (see README, Install). They are still loaded only when their setting needs them.
// Stay external, and so the package's only runtime dependencies: @opentelemetry/api (a peer dependency: one copy per
// process, shared with the app and every instrumentation), the module hooks instrumentations use (one copy each, the
// ES module loader hook and the instrumentations must talk to the same import-in-the-middle), yaml (only for a YAML
// price file) and @opentelemetry/winston-transport (the application's own, optional).
// `--sourcemap` (or GENAI_OTEL_SOURCEMAP=1) adds source maps with their sources inlined; the package ships none.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const external = [
  '@opentelemetry/api',
  '@opentelemetry/winston-transport',
  'import-in-the-middle',
  'import-in-the-middle/*',
  'require-in-the-middle',
  'yaml',
];
const sourcemap = process.argv.includes('--sourcemap') || process.env.GENAI_OTEL_SOURCEMAP === '1';
const isExternal = (specifier) =>
  external.some((pattern) =>
    pattern.endsWith('*')
      ? specifier.startsWith(pattern.slice(0, -1))
      : specifier === pattern || specifier.startsWith(`${pattern}/`),
  );
const isPackage = (specifier) =>
  !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:');

const root = new URL('..', import.meta.url).pathname;
// The instrumentation packages each bring their own @opentelemetry/instrumentation of the same line (0.300 beside our
// 0.301): bundled once, from the top of node_modules.
const sharedPackages = ['@opentelemetry/instrumentation', '@opentelemetry/core'];

/**
 * `lazyRequire('@opentelemetry/sdk-metrics')` in src/core/loaders.ts (the typed loaders: a runtime require, so that a
 * dependency loads only when a setting needs it) becomes a bundled `require()`: still evaluated only when its loader
 * runs, now from inside the bundle. Any other source file calling lazyRequire() fails the build: the loaders are the
 * one place where a specifier meets its module's type.
 * Every bundled package resolves to its ES module build, whether imported or required, so that each is bundled once.
 */
const loadersModule = new URL('../src/core/loaders.ts', import.meta.url).pathname;
const bundleDependencies = {
  name: 'bundle-dependencies',
  setup(builder) {
    builder.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (args.path !== loadersModule) {
        if (/\blazyRequire\(/.test(source))
          return {
            errors: [{ text: `lazyRequire() outside src/core/loaders.ts: add a typed loader there (${args.path})` }],
          };
        return { contents: source, loader: 'ts' };
      }
      return {
        contents: source.replace(/\blazyRequire\((['"])([^'"]+)\1\)/g, (call, quote, specifier) =>
          isPackage(specifier) && !isExternal(specifier) ? `require(${quote}${specifier}${quote})` : call,
        ),
        loader: 'ts',
      };
    });
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'forced' || !isPackage(args.path) || isExternal(args.path)) return undefined;
      const shared = sharedPackages.some((name) => args.path === name || args.path.startsWith(`${name}/`));
      if (args.kind !== 'require-call' && !shared) return undefined;
      return builder.resolve(args.path, {
        kind: 'import-statement',
        resolveDir: shared ? root : args.resolveDir,
        pluginData: 'forced',
      });
    });
  },
};

/**
 * Every `@opentelemetry/api` import of the bundle (ours and the bundled SDK's) goes through one module that takes the
 * application's copy of the API with require() and completes what an older 1.x lacks (src/sdk/api-compat.ts). The
 * bundled SDK is written for API 1.10 (logs, SeverityNumber, createNoopLogger); with a static import, an app on
 * OpenTelemetry JS 2.x (API 1.9) would fail to link the ES module build. Its exports are the names of the API we
 * build against, each read once: the API's exports are singletons.
 */
const apiCompat = {
  name: 'api-compat',
  setup(builder) {
    const compatModule = new URL('../src/sdk/api-compat.ts', import.meta.url).pathname;
    const names = Object.keys(createRequire(import.meta.url)('@opentelemetry/api')).filter(
      (name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name),
    );
    builder.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
      args.namespace === 'api-compat' ? { path: args.path, external: true } : { path: 'api', namespace: 'api-compat' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'api-compat' }, () => ({
      contents: [
        `import { completeApi } from ${JSON.stringify(compatModule)};`,
        `const api = completeApi(require('@opentelemetry/api'));`,
        ...names.map((name) => `export const ${name} = api.${name};`),
        'export default api;',
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * `@fastify/otel` is CommonJS: its `require('@opentelemetry/semantic-conventions')` would bundle all 160 kB of that
 * package (a require cannot be tree-shaken), and its `require('minimatch')` (for a glob in `ignorePaths` only) 70 kB.
 * The names it destructures become a literal object of their values, and minimatch becomes Node's own
 * `path.matchesGlob` (built on the same minimatch).
 */
const fastifyOtelSlim = {
  name: 'fastify-otel-slim',
  setup(builder) {
    const semconv = createRequire(import.meta.url)('@opentelemetry/semantic-conventions');
    builder.onLoad({ filter: /[/\\]@fastify[/\\]otel[/\\]index\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      const destructured = /const \{([^}]*)\} = require\('@opentelemetry\/semantic-conventions'\)/.exec(source);
      const glob = "require('minimatch').minimatch";
      if (destructured === null || !source.includes(glob))
        return { errors: [{ text: '@fastify/otel changed shape: update fastify-otel-slim in scripts/build.mjs' }] };
      const names = destructured[1]
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      const values = Object.fromEntries(names.map((name) => [name, semconv[name]]));
      if (names.some((name) => typeof values[name] !== 'string'))
        return { errors: [{ text: `@fastify/otel uses semantic conventions missing here: ${names.join(', ')}` }] };
      source = source.replace(destructured[0], `const {${destructured[1]}} = ${JSON.stringify(values)}`);
      source = source.replace(glob, "process.getBuiltinModule('node:path').matchesGlob");
      return { contents: source, loader: 'js' };
    });
  },
};

rmSync('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  external,
  logLevel: 'warning',
  sourcemap,
  legalComments: 'none',
  metafile: true,
  plugins: [apiCompat, fastifyOtelSlim, bundleDependencies],
};
// A bundled package may still call require() on a Node built-in; the ESM bundle gets a real require for that.
// process.getBuiltinModule rather than an import of node:module, whose ES module facade costs the preload time.
// import.meta.url is empty where an application's bundler turned this file into CommonJS (esbuild does when a
// CommonJS bundle imports the package); __filename is then the bundle's own file. getBuiltinModule is missing on
// Node before 20.16: require stays undefined there, so that the preload can still say which Node it needs.
// The ES module builds read import.meta.url through __genaiOtelFileUrl (as the CommonJS build does), set here.
const esmRequire = [
  'const __genaiOtelFileUrl = import.meta.url ?? (typeof __filename === "string" ? process.getBuiltinModule?.("node:url").pathToFileURL(__filename).href : undefined);',
  'const require = process.getBuiltinModule?.("node:module").createRequire(__genaiOtelFileUrl ?? `${process.cwd()}/`);',
].join('\n');

/**
 * In the ES module builds, the packages left outside the bundle are loaded with that require(), not imported: an
 * application that bundles genai-otel (esbuild, webpack, Rollup) then leaves them to node_modules as they are, instead
 * of pulling CommonJS packages into an ES module bundle where their own require() calls fail. They also load only
 * when the code that needs them first runs.
 */
const externalsByRequire = {
  name: 'externals-by-require',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.namespace === 'external-require' || !isExternal(args.path) || args.path === '@opentelemetry/api')
        return undefined;
      if (args.kind !== 'import-statement' && args.kind !== 'require-call') return undefined;
      return { path: args.path, namespace: 'external-require' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'external-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
    builder.onResolve({ filter: /.*/, namespace: 'external-require' }, (args) => ({ path: args.path, external: true }));
  },
};
const esmOptions = {
  format: 'esm',
  define: { 'import.meta.url': '__genaiOtelFileUrl' },
  plugins: [...common.plugins, externalsByRequire],
};

const builds = await Promise.all([
  build({
    ...common,
    ...esmOptions,
    entryPoints: {
      index: 'src/index.ts',
      register: 'src/entry/register-esm.ts',
      esbuild: 'src/entry/esbuild-plugin.ts',
      rollup: 'src/entry/rollup-plugin.ts',
    },
    outdir: 'dist/esm',
    outExtension: { '.js': '.js' },
    banner: { js: esmRequire },
  }),
  build({
    ...common,
    format: 'cjs',
    entryPoints: {
      index: 'src/index.ts',
      register: 'src/entry/register-cjs.ts',
      esbuild: 'src/entry/esbuild-plugin.ts',
      rollup: 'src/entry/rollup-plugin.ts',
    },
    outdir: 'dist/cjs',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__genaiOtelFileUrl' },
    banner: { js: 'const __genaiOtelFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  }),
  // The CLI: its own entry, never loaded by the preload; each command is a chunk imported when it runs.
  build({
    ...common,
    ...esmOptions,
    entryPoints: { 'genai-otel': 'src/entry/cli.ts' },
    outdir: 'dist/cli',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: `#!/usr/bin/env node\n${esmRequire}` },
  }),
  // `genai-otel/next` (next.config's helper) and the edge build of `genai-otel`: no Node.js built-in, no SDK, no
  // process.getBuiltinModule; @opentelemetry/api is imported as is, for the edge bundler to take the app's copy.
  build({
    ...common,
    platform: 'neutral',
    format: 'esm',
    plugins: [],
    entryPoints: { index: 'src/entry/edge.ts', next: 'src/entry/next.ts' },
    outdir: 'dist/edge',
    outExtension: { '.js': '.js' },
  }),
  build({
    ...common,
    format: 'cjs',
    plugins: [],
    entryPoints: { next: 'src/entry/next.ts' },
    outdir: 'dist/cjs',
    outExtension: { '.js': '.cjs' },
  }),
]);
chmodSync('dist/cli/genai-otel.js', 0o755);
for (const file of Object.keys(builds.at(-2).metafile.inputs)) {
  if (/^node:|(^|\/)(node_modules\/)?(fs|os|path)(\/|$)/.test(file))
    throw new Error(`the edge build must not load Node.js built-ins: ${file}`);
}

/**
 * dist/THIRD-PARTY-NOTICES.md: the name, version and license of every package bundled into dist/, with its license
 * and NOTICE texts (each distinct text once). The bundles keep no license comments (legalComments: 'none').
 */
function writeThirdPartyNotices(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match === null || packages.has(match[1])) continue;
    const folder = match[1];
    const manifest = JSON.parse(readFileSync(`${folder}/package.json`, 'utf8'));
    const texts = readdirSync(folder)
      .filter((file) => /^(licen[cs]e|notice)(\.|$)/i.test(file))
      .sort()
      .map((file) => readFileSync(`${folder}/${file}`, 'utf8').trim());
    packages.set(folder, {
      name: manifest.name,
      version: manifest.version,
      license: manifest.license ?? 'see its package',
      texts,
    });
  }
  const byText = new Map();
  for (const entry of [...packages.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version),
  )) {
    const key = entry.texts.join('\n\n') || `(${entry.license}: no license file in the package)`;
    if (!byText.has(key)) byText.set(key, []);
    byText.get(key).push(`${entry.name} ${entry.version} (${entry.license})`);
  }
  const sections = [...byText].map(([text, names]) => `## ${names.join(', ')}\n\n\`\`\`\n${text}\n\`\`\`\n`);
  writeFileSync(
    'dist/THIRD-PARTY-NOTICES.md',
    `# Third-party software in genai-otel's dist/\n\nThese packages are bundled into genai-otel's builds. genai-otel itself is Apache-2.0 (LICENSE).\n\n${sections.join('\n')}`,
  );
}
writeThirdPartyNotices(builds.flatMap((result) => Object.keys(result.metafile.inputs)));

/**
 * Type declarations: tsc's, bundled into one file whose only import is @opentelemetry/api. The types of the packages
 * bundled into dist/ (sdk-trace, sdk-logs, semantic-conventions, ...) are inlined, since the application need not
 * have them installed. The same text serves both module formats: index.d.ts for `import`, index.d.cts for
 * `require` (under moduleResolution node16/nodenext a CommonJS file needs CommonJS declarations).
 */
async function bundleDeclarations() {
  rmSync('.cache/dts', { recursive: true, force: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  const { rollup } = await import('rollup');
  const { dts } = await import('rollup-plugin-dts');
  const problems = [];
  const bundle = await rollup({
    input: '.cache/dts/index.d.ts',
    plugins: [dts({ respectExternal: true, tsconfig: 'tsconfig.build.json' })],
    external: (id) => id === '@opentelemetry/api' || id.startsWith('node:'),
    onwarn: (warning) => problems.push(warning.message),
  });
  await bundle.write({ file: 'dist/types/index.d.ts', format: 'es' });
  if (problems.length > 0) throw new Error(`type declarations: ${problems.join('; ')}`);
  copyFileSync('dist/types/index.d.ts', 'dist/types/index.d.cts');
  const register = '// genai-otel/register only has side effects: it starts OpenTelemetry.\nexport {};\n';
  writeFileSync('dist/types/register.d.ts', register);
  writeFileSync('dist/types/register.d.cts', register);
  // The esbuild plugin: written here, since its module is not part of the main declarations.
  const esbuildTypes = [
    '/** An esbuild plugin that bundles what genai-otel loads at run time, for self-contained bundles. */',
    'export declare function genaiOtelEsbuild(): { name: string; setup(build: any): void };',
    '',
  ].join('\n');
  // The Rollup/Vite plugin likewise: its types name no Rollup type (Rollup is not a dependency of genai-otel).
  const rollupTypes = [
    '/** A Rollup (and Vite) plugin that bundles what genai-otel loads at run time, for self-contained bundles. */',
    'export declare function genaiOtelRollup(): {',
    '  name: string;',
    '  transform(code: string, id: string): { code: string; map: null } | undefined;',
    '};',
    '',
  ].join('\n');
  for (const extension of ['d.ts', 'd.cts']) {
    writeFileSync(`dist/types/esbuild.${extension}`, esbuildTypes);
    writeFileSync(`dist/types/rollup.${extension}`, rollupTypes);
  }
  // genai-otel/next imports nothing: tsc's declarations serve as they are.
  copyFileSync('.cache/dts/entry/next.d.ts', 'dist/types/next.d.ts');
  copyFileSync('.cache/dts/entry/next.d.ts', 'dist/types/next.d.cts');
}
await bundleDeclarations();
