// Builds dist/: ESM and CommonJS bundles of our code and of the OpenTelemetry SDK packages it uses, then type
// declarations with tsc. Bundling the SDK (core, resources, sdk-trace/metrics/logs, the OTLP serializers, ...) makes
// the preload load a few files instead of ~250 modules: start-up time is mostly module loading (see bench/).
// Stay external: @opentelemetry/api (one copy per process, shared with the app and every instrumentation), the
// instrumentation packages and the module hooks they use (they patch what the app loads, and are loaded only when
// their library is installed), and yaml (only for a YAML price file).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const external = ['@opentelemetry/api', '@opentelemetry/instrumentation', '@opentelemetry/instrumentation-*', 'import-in-the-middle', 'import-in-the-middle/*', 'require-in-the-middle', 'yaml'];
const isExternal = (specifier) =>
  external.some((pattern) => (pattern.endsWith('*') ? specifier.startsWith(pattern.slice(0, -1)) : specifier === pattern || specifier.startsWith(`${pattern}/`)));
const isPackage = (specifier) => !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:');

/**
 * `lazyRequire('@opentelemetry/sdk-metrics')` (a runtime require in the sources, so that a dependency loads only when
 * a setting needs it) becomes a bundled `require()`: still evaluated only when reached, now from inside the bundle.
 * Every bundled package resolves to its ES module build, whether imported or required, so that each is bundled once.
 */
const bundleDependencies = {
  name: 'bundle-dependencies',
  setup(builder) {
    builder.onLoad({ filter: /[/\\]src[/\\].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/\blazyRequire\((['"])([^'"]+)\1\)/g, (call, quote, specifier) =>
        isPackage(specifier) && !isExternal(specifier) ? `require(${quote}${specifier}${quote})` : call,
      ),
      loader: 'ts',
    }));
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'forced' || !isPackage(args.path) || isExternal(args.path) || args.kind !== 'require-call') return undefined;
      return builder.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'forced' });
    });
  },
};

rmSync('dist', { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node22', external, logLevel: 'warning', sourcemap: true, legalComments: 'none', plugins: [bundleDependencies] };
// A bundled package may still call require() on a Node built-in; the ESM bundle gets a real require for that.
// process.getBuiltinModule rather than an import of node:module, whose ES module facade costs the preload time.
const esmRequire = 'const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);';

await Promise.all([
  build({ ...common, format: 'esm', entryPoints: { index: 'src/index.ts', register: 'src/entry/register-esm.ts' }, outdir: 'dist/esm', outExtension: { '.js': '.js' }, banner: { js: esmRequire } }),
  build({
    ...common,
    format: 'cjs',
    entryPoints: { index: 'src/index.ts', register: 'src/entry/register-cjs.ts' },
    outdir: 'dist/cjs',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__genaiOtelFileUrl' },
    banner: { js: 'const __genaiOtelFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  }),
  // The CLI: its own entry, never loaded by the preload; each command is a chunk imported when it runs.
  build({
    ...common,
    format: 'esm',
    entryPoints: { 'genai-otel': 'src/cli/main.ts' },
    outdir: 'dist/cli',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cli/genai-otel.js', 0o755);

/**
 * In the CommonJS bundle, `import * as api from '@opentelemetry/api'` in the bundled SDK becomes
 * `__toESM(require(...))`: a copy of the API module whose every property is a getter, read on every span (the tracer
 * reads `api.trace`, `api.context`, `api.SpanKind`, ... each time). The API module is already an ES module interop
 * object (`__esModule`, its own `default`) with plain properties, so the bundle takes it as it is. Safe only while no
 * such namespace's `default` is read: the build fails if one is.
 */
function plainApiNamespaces(file) {
  const wrapped = /(\w+) = __toESM\(require\("@opentelemetry\/api"\), 1\)/g;
  let text = readFileSync(file, 'utf8');
  for (const [, name] of text.matchAll(wrapped)) {
    if (new RegExp(`\\b${name}\\.default\\b`).test(text)) throw new Error(`${file}: ${name}.default is read; the API namespace must stay wrapped`);
  }
  text = text.replace(wrapped, '$1 = require("@opentelemetry/api")');
  writeFileSync(file, text);
}
for (const file of ['dist/cjs/index.cjs', 'dist/cjs/register.cjs']) plainApiNamespaces(file);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/types', { recursive: true });
writeFileSync('dist/types/register.d.ts', '// genai-otel/register only has side effects: it starts OpenTelemetry.\nexport {};\n');
