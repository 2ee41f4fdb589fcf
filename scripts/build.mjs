// Builds dist/: ESM and CommonJS bundles of our own code (dependencies stay external, except the semantic
// conventions, whose unused constants are tree-shaken away), then type declarations with tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => name !== '@opentelemetry/semantic-conventions');

rmSync('dist', { recursive: true, force: true });

const common = { bundle: true, platform: 'node', target: 'node22', external, logLevel: 'warning', sourcemap: true, legalComments: 'none' };

await Promise.all([
  build({ ...common, format: 'esm', entryPoints: { index: 'src/index.ts', register: 'src/entry/register-esm.ts' }, outdir: 'dist/esm', outExtension: { '.js': '.js' } }),
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

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/types', { recursive: true });
writeFileSync('dist/types/register.d.ts', '// genai-otel/register only has side effects: it starts OpenTelemetry.\nexport {};\n');
