// `genai-otel doctor` on the client libraries: for each, whether the preload traces it, what it needs, or that it is off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLibraries } from '../../../src/cli/commands/doctor.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { repositoryRoot } from '../../support/run-fixture.ts';

let root: string;
/** An application folder whose node_modules links `packages` (name in the app → folder in this repository's node_modules). */
function app(name: string, packages: Record<string, string>): string {
  const directory = join(root, name);
  for (const [linked, source] of Object.entries(packages)) {
    mkdirSync(join(directory, 'node_modules', linked, '..'), { recursive: true });
    symlinkSync(join(repositoryRoot, 'node_modules', source), join(directory, 'node_modules', linked), 'dir');
  }
  return directory;
}
const aiCheck = (cwd: string, env: Record<string, string> = {}) =>
  checkLibraries(cwd, resolveConfig(env).config).find((check) => check.name === 'ai');

before(() => {
  root = mkdtempSync(join(tmpdir(), 'genai-otel-doctor-libraries-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('ai 7 with @ai-sdk/otel: traced automatically, through that package', () => {
  const check = aiCheck(app('ai7', { ai: 'ai', '@ai-sdk/otel': '@ai-sdk/otel' }));
  assert.equal(check?.status, 'ok');
  assert.match(check.detail, /^7\.\d+\.\d+, traced automatically \(through @ai-sdk\/otel 1\.\d+\.\d+\)$/);
});

test('ai 7 without @ai-sdk/otel: a warning that it makes no spans, and the command that fixes it', () => {
  const check = aiCheck(app('ai7-alone', { ai: 'ai' }));
  assert.equal(check?.status, 'warn');
  assert.match(check.detail, /^7\.\d+\.\d+: no spans, @ai-sdk\/otel is not installed$/);
  assert.match(check.fix!, /^npm install @ai-sdk\/otel/);
});

test('ai 6: traced per call, with what to pass', () => {
  const check = aiCheck(app('ai6', { ai: 'ai6' }));
  assert.equal(check?.status, 'info');
  assert.match(check.detail, /^6\.\d+\.\d+, traced per call: pass experimental_telemetry: \{ isEnabled: true \}/);
});

test('ai-sdk left out of GENAI_OTEL_INSTRUMENTATIONS: turned off, whatever is installed', () => {
  const check = aiCheck(app('ai7-off', { ai: 'ai', '@ai-sdk/otel': '@ai-sdk/otel' }), {
    GENAI_OTEL_INSTRUMENTATIONS: 'openai,anthropic,mcp',
  });
  assert.equal(check?.status, 'info');
  assert.match(check.detail, /installed but turned off by GENAI_OTEL_INSTRUMENTATIONS$/);
});

test('the MCP SDK (no main entry in its 1.x packages) is found, and reported as traced or off', () => {
  const directory = app('mcp', { '@modelcontextprotocol/sdk': '@modelcontextprotocol/sdk' });
  const on = checkLibraries(directory, resolveConfig({}).config).find(
    (check) => check.name === '@modelcontextprotocol/sdk',
  );
  assert.equal(on?.status, 'ok');
  assert.match(on.detail, /^1\.\d+\.\d+, traced automatically$/);
  const off = checkLibraries(directory, resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' }).config).find(
    (check) => check.name === '@modelcontextprotocol/sdk',
  );
  assert.equal(off?.status, 'info');
});

test('the MCP SDK 2.x packages are found, and reported as traced or off', () => {
  const directory = app('mcp2', {
    '@modelcontextprotocol/client': '@modelcontextprotocol/client',
    '@modelcontextprotocol/server': '@modelcontextprotocol/server',
  });
  for (const name of ['@modelcontextprotocol/client', '@modelcontextprotocol/server']) {
    const on = checkLibraries(directory, resolveConfig({}).config).find((check) => check.name === name);
    assert.equal(on?.status, 'ok', name);
    assert.match(on.detail, /^2\.\d+\.\d+, traced automatically$/);
    const off = checkLibraries(directory, resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' }).config).find(
      (check) => check.name === name,
    );
    assert.equal(off?.status, 'info');
  }
});

test('LangChain: traced automatically by default; turned off by name, traced when the handler is passed', () => {
  const directory = app('langchain', { '@langchain/core': '@langchain/core' });
  const on = checkLibraries(directory, resolveConfig({}).config).find((check) => check.name === '@langchain/core');
  assert.equal(on?.status, 'ok');
  assert.match(on.detail, /^1\.\d+\.\d+, traced automatically$/);
  const off = checkLibraries(directory, resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' }).config).find(
    (check) => check.name === '@langchain/core',
  );
  assert.equal(off?.status, 'info');
  assert.match(off.detail, /turned off by GENAI_OTEL_INSTRUMENTATIONS: traced when you pass GenAICallbackHandler$/);
});

/** A Next.js app folder: a stand-in `next` package, openai linked, and the given files. */
function nextApp(name: string, files: Record<string, string>): string {
  const directory = app(name, { openai: 'openai' });
  mkdirSync(join(directory, 'node_modules/next'), { recursive: true });
  writeFileSync(
    join(directory, 'node_modules/next/package.json'),
    '{"name":"next","version":"16.5.0","main":"index.js"}',
  );
  writeFileSync(join(directory, 'node_modules/next/index.js'), '');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(directory, file), text);
  return directory;
}

test('a Next.js app without withGenAIOtel: a warning, and openai is said to be bundled, not traced', () => {
  const checks = checkLibraries(
    nextApp('next-bare', { 'next.config.mjs': 'export default {};\n' }),
    resolveConfig({}).config,
  );
  const next = checks.find((check) => check.name === 'Next.js');
  assert.equal(next?.status, 'warn');
  assert.match(next?.detail ?? '', /does not use withGenAIOtel/);
  const openai = checks.find((check) => check.name === 'openai');
  assert.equal(openai?.status, 'warn');
  assert.match(openai?.detail ?? '', /bundled by Next\.js: not traced/);
});

test('a Next.js app with withGenAIOtel and an instrumentation file: both ok, openai traced automatically', () => {
  const checks = checkLibraries(
    nextApp('next-wrapped', {
      'next.config.mjs': "import { withGenAIOtel } from 'genai-otel/next';\nexport default withGenAIOtel({});\n",
      'instrumentation.js': 'export async function register() {}\n',
    }),
    resolveConfig({}).config,
  );
  assert.equal(checks.find((check) => check.name === 'Next.js')?.status, 'ok');
  assert.match(checks.find((check) => check.name === 'openai')?.detail ?? '', /traced automatically/);
});

test('the provider clients (Gemini, Bedrock, Cohere, Ollama, Groq): traced automatically, or off by name', () => {
  const packages = ['@google/genai', '@aws-sdk/client-bedrock-runtime', 'cohere-ai', 'ollama', 'groq-sdk'];
  const directory = app('providers', Object.fromEntries(packages.map((name) => [name, name])));
  const on = checkLibraries(directory, resolveConfig({}).config).filter((check) => packages.includes(check.name));
  assert.deepEqual(
    on.map((check) => [check.name, check.status]),
    packages.map((name) => [name, 'ok']),
  );
  assert.ok(on.every((check) => /^\d+\.\d+\.\d+, traced automatically$/.test(check.detail)));
  const off = checkLibraries(
    directory,
    resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai,google-genai' }).config,
  ).filter((check) => packages.includes(check.name));
  assert.deepEqual(
    off.map((check) => [check.name, check.status]),
    packages.map((name) => [name, name === '@google/genai' ? 'ok' : 'info']),
  );
});

test('OpenAI Agents SDK: traced automatically, or turned off by name', () => {
  const directory = app('agents', { '@openai/agents': '@openai/agents' });
  const on = checkLibraries(directory, resolveConfig({}).config).find((check) => check.name === '@openai/agents');
  assert.equal(on?.status, 'ok');
  assert.match(on.detail, /^0\.\d+\.\d+, traced automatically$/);
  const off = checkLibraries(directory, resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' }).config).find(
    (check) => check.name === '@openai/agents',
  );
  assert.equal(off?.status, 'info');
  assert.match(off.detail, /turned off by GENAI_OTEL_INSTRUMENTATIONS$/);
});

/** A package as npm leaves it in node_modules (its manifest and main file): Mastra is not installed in this repository. */
function installed(directory: string, name: string, version: string): void {
  const folder = join(directory, 'node_modules', name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  writeFileSync(join(folder, 'index.js'), 'module.exports = {};\n');
}

test('Mastra: what to install for spans; traced through its bridge once installed; off by name', () => {
  const directory = app('mastra', {});
  installed(directory, '@mastra/core', '1.71.0');
  const mastraCheck = (env: Record<string, string> = {}) =>
    checkLibraries(directory, resolveConfig(env).config).find((check) => check.name === '@mastra/core');
  const alone = mastraCheck();
  assert.equal(alone?.status, 'warn');
  assert.equal(alone.detail, '1.71.0: no spans, @mastra/observability and @mastra/otel-bridge are not installed');
  assert.match(alone.fix!, /^npm install @mastra\/observability @mastra\/otel-bridge /);
  installed(directory, '@mastra/observability', '1.17.9');
  installed(directory, '@mastra/otel-bridge', '1.5.4');
  const traced = mastraCheck();
  assert.equal(traced?.status, 'ok');
  assert.match(traced.detail, /^1\.71\.0, traced automatically \(through @mastra\/otel-bridge 1\.5\.4\)/);
  assert.equal(mastraCheck({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' })?.status, 'info');
  installed(directory, '@mastra/core', '0.20.0');
  assert.equal(mastraCheck()?.status, 'warn', 'Mastra 0.x (telemetry:) is not what genai-otel hooks');
});

/** An app folder with a stand-in `@nestjs/core` of `version` (an ES module package, as Nest 12 is). */
function nestApp(name: string, version: string): string {
  const directory = join(root, name);
  mkdirSync(join(directory, 'node_modules/@nestjs/core'), { recursive: true });
  writeFileSync(
    join(directory, 'node_modules/@nestjs/core/package.json'),
    JSON.stringify({
      name: '@nestjs/core',
      version,
      type: 'module',
      exports: { '.': './index.js', './*.js': './*.js' },
    }),
  );
  writeFileSync(join(directory, 'node_modules/@nestjs/core/index.js'), 'export {};\n');
  return directory;
}
const nestCheck = (directory: string, env: Record<string, string> = {}) =>
  checkLibraries(directory, resolveConfig(env).config).find((check) => check.name === '@nestjs/core');

test('NestJS 12: traced by genai-otel itself; 11 by the official instrumentation; 13 not traced; off by name', () => {
  const twelve = nestCheck(nestApp('nest12', '12.6.3'));
  assert.equal(twelve?.status, 'ok');
  assert.equal(
    twelve.detail,
    '12.6.3, traced automatically (by genai-otel: the official instrumentation stops before 12)',
  );
  const eleven = nestCheck(app('nest11', { '@nestjs/core': '@nestjs/core' }));
  assert.equal(eleven?.status, 'ok');
  assert.match(eleven.detail, /^11\.\d+\.\d+, traced automatically \(@opentelemetry\/instrumentation-nestjs-core\)$/);
  const thirteen = nestCheck(nestApp('nest13', '13.0.0'));
  assert.equal(thirteen?.status, 'warn');
  assert.match(thirteen.detail, /^13\.0\.0: controllers not traced/);
  assert.equal(nestCheck(nestApp('nest12-off', '12.6.3'), { GENAI_OTEL_INSTRUMENTATIONS: 'openai' })?.status, 'info');
});

test('a NestJS app without an LLM client is still told to use the helpers', () => {
  const checks = checkLibraries(nestApp('nest-only', '12.6.3'), resolveConfig({}).config);
  assert.deepEqual(
    checks.map((check) => check.name),
    ['@nestjs/core', 'LLM client libraries'],
  );
});
