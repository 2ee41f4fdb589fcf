// Next.js 16 and 15 (app router) with the packed genai-otel, as the README's Next.js section has a user write it: an
// instrumentation.js that starts genai-otel in the Node.js runtime, next.config with withGenAIOtel(), a route handler
// calling the real `openai` client against a local fake provider, an edge route and a middleware importing
// genai-otel; in the 16 app, one route each for `@anthropic-ai/sdk` and the AI SDK 7 (with `@ai-sdk/otel`). One scratch
// app per major, built once per bundler (16: Turbopack, webpack, and Turbopack with output: 'standalone'; 15: webpack,
// its default), each build in its own distDir, and the 16 app run once with `next dev` (Turbopack, compiled on
// request). Every built server is stopped with SIGTERM right after its requests: the spans must reach the OTLP receiver
// although Next's own handler ends the process at once (process.exit(143) in 16). Slow (four builds, about five
// minutes here): kept to this one file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@genai-otel/mock-otlp-receiver';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import { closedPort as freePort } from '../support/ports.ts';
import {
  assertSucceeded,
  childEnv,
  createApp,
  node22,
  npmInstall,
  packRepository,
  run,
  scratchRoot,
} from './scratch.ts';

const root = scratchRoot();
let app: string;
let app15: string;
let receiver: OtlpReceiver;
let provider: FakeProvider;

const files: Record<string, string> = {
  'instrumentation.js': `export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { start } = await import('genai-otel');
    start({ serviceName: 'next-scratch' });
  }
}
`,
  'next.config.mjs': `import { withGenAIOtel } from 'genai-otel/next';
export default withGenAIOtel({ distDir: process.env.NEXT_DIST_DIR, output: process.env.NEXT_OUTPUT });
`,
  'middleware.js': `import { NextResponse } from 'next/server';
import { withContext } from 'genai-otel';
export function middleware() {
  return withContext({ sessionId: 'edge-session' }, () => NextResponse.next({ headers: { 'x-middleware': 'ran' } }));
}
export const config = { matcher: '/api/:path*' };
`,
  'app/layout.jsx': `export default function RootLayout({ children }) {
  return <html><body>{children}</body></html>;
}
`,
  'app/page.jsx': `export default function Page() { return <p>scratch</p>; }
`,
  'app/api/chat/route.js': `import OpenAI from 'openai';
import { getStatus } from 'genai-otel';
export const dynamic = 'force-dynamic';
const client = new OpenAI({ baseURL: process.env.FAKE_OPENAI_URL, apiKey: 'test-key' });
export async function GET() {
  const completion = await client.chat.completions.create({ model: process.env.MODEL, messages: [{ role: 'user', content: 'Where is my order?' }] });
  return Response.json({ text: completion.choices[0].message.content, instrumentations: getStatus()?.instrumentations });
}
`,
  'app/api/edge/route.js': `import { withLLMCall, getStatus } from 'genai-otel';
export const runtime = 'edge';
export async function GET() {
  const answer = await withLLMCall({ provider: 'openai', model: 'gpt-edge' }, async () => 'edge-ok');
  return Response.json({ answer, status: getStatus() ?? null });
}
`,
};

// The 16 app's other LLM clients: what withGenAIOtel keeps external (Anthropic) and what registers rather than patches
// (the AI SDK, through @ai-sdk/otel).
const files16: Record<string, string> = {
  ...files,
  'app/api/anthropic/route.js': `import Anthropic from '@anthropic-ai/sdk';
export const dynamic = 'force-dynamic';
const client = new Anthropic({ baseURL: process.env.FAKE_ANTHROPIC_URL, apiKey: 'test-key' });
export async function GET() {
  const message = await client.messages.create({ model: \`\${process.env.MODEL}-claude\`, max_tokens: 256, messages: [{ role: 'user', content: 'Where is my order?' }] });
  return Response.json({ text: message.content[0].text });
}
`,
  'app/api/ai/route.js': `import { generateText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
export const dynamic = 'force-dynamic';
const openai = createOpenAI({ baseURL: process.env.FAKE_OPENAI_URL, apiKey: 'test-key' });
export async function GET() {
  const { text } = await generateText({ model: openai.chat(\`\${process.env.MODEL}-ai-sdk\`), prompt: 'Where is my order?' });
  return Response.json({ text });
}
`,
};

const nextEnv = (extra: Record<string, string>): Record<string, string | undefined> =>
  childEnv({ NEXT_TELEMETRY_DISABLED: '1', ...extra });

before(async () => {
  [receiver, provider] = await Promise.all([startOtlpReceiver(), startFakeProvider()]);
  const tarball = await packRepository(root);
  app = createApp(root, 'next16', files16);
  app15 = createApp(root, 'next15', files);
  await Promise.all([
    npmInstall(app, [
      'next@16',
      'react@19',
      'react-dom@19',
      'openai@6',
      '@anthropic-ai/sdk@1',
      'ai@7',
      '@ai-sdk/openai@4',
      '@ai-sdk/otel@1',
      tarball,
    ]),
    npmInstall(app15, ['next@15', 'react@19', 'react-dom@19', 'openai@6', tarball]),
  ]);
});
after(async () => {
  await Promise.all([receiver?.close(), provider?.close()]);
  if (process.env.GENAI_OTEL_KEEP_SCRATCH === '1') console.log(`scratch app kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

async function build(distDir: string, args: string[], output?: string, cwd = app): Promise<void> {
  assertSucceeded(
    await run(node22, ['node_modules/next/dist/bin/next', 'build', ...args], {
      cwd,
      env: nextEnv({ NEXT_DIST_DIR: distDir, ...(output === undefined ? {} : { NEXT_OUTPUT: output }) }),
      timeoutMillis: 300_000,
    }),
    `next build ${args.join(' ')}`,
  );
}

interface Served {
  chat: { text: string; instrumentations: string[] };
  edge: { answer: string; status: unknown };
  middlewareHeader: string | null;
  /** The text each of the `routes` asked answered. */
  texts: Record<string, string>;
  exitCode: number | null;
  stderr: string;
}

/**
 * Starts the server, asks /api/chat, /api/edge and `routes`, runs `beforeStop`, sends SIGTERM and waits for the
 * process to end. Spans are exported at SIGTERM only, unless `scheduleDelay` says otherwise.
 */
async function serve(
  args: string[],
  distDir: string,
  model: string,
  cwd = app,
  options: { routes?: string[]; scheduleDelay?: string; beforeStop?: () => Promise<void> } = {},
): Promise<Served> {
  const port = await freePort();
  const child = spawn(node22, args, {
    cwd,
    env: nextEnv({
      NEXT_DIST_DIR: distDir,
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      MODEL: model,
      FAKE_OPENAI_URL: provider.openaiBaseURL,
      FAKE_ANTHROPIC_URL: provider.anthropicBaseURL,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      // Only the flush at SIGTERM can deliver these spans.
      OTEL_BSP_SCHEDULE_DELAY: options.scheduleDelay ?? '60000',
      GENAI_OTEL_SPOOL_DIR: join(root, 'spool'),
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await fetch(`${base}/`);
        break;
      } catch (error) {
        if (attempt > 150) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const chatResponse = await fetch(`${base}/api/chat`);
    const chat = (await chatResponse.json()) as Served['chat'];
    const edgeResponse = await fetch(`${base}/api/edge`);
    assert.equal(edgeResponse.status, 200, `the edge route failed: ${await edgeResponse.clone().text()}\n${stderr}`);
    const edge = (await edgeResponse.json()) as Served['edge'];
    const texts: Record<string, string> = {};
    for (const route of options.routes ?? []) {
      const response = await fetch(`${base}${route}`);
      assert.equal(response.status, 200, `${route} failed: ${await response.clone().text()}\n${stderr}`);
      texts[route] = ((await response.json()) as { text: string }).text;
    }
    await options.beforeStop?.();
    child.kill('SIGTERM');
    return {
      chat,
      edge,
      middlewareHeader: chatResponse.headers.get('x-middleware'),
      texts,
      exitCode: await exited,
      stderr,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The LLM span `chat <model>`, a descendant of the request span of GET `route`, delivered. */
async function assertTracedUnderRequest(model: string, route = '/api/chat'): Promise<void> {
  const spans = await receiver.waitFor('spans', (all) => all.some((span) => span.name === `chat ${model}`), 10_000);
  const llm = spans.find((span) => span.name === `chat ${model}`)!;
  const byId = new Map<string, ReceivedSpan>(spans.map((span) => [span.spanId, span]));
  const ancestors: string[] = [];
  for (
    let parent = byId.get(llm.parentSpanId ?? '');
    parent !== undefined;
    parent = byId.get(parent.parentSpanId ?? '')
  )
    ancestors.push(parent.name);
  assert.ok(
    ancestors.some((name) => name.startsWith(`GET ${route}`)),
    `chat ${model} is not under the request span: ${ancestors.join(' < ')}`,
  );
  assert.equal(llm.attributes['gen_ai.usage.input_tokens'] !== undefined, true, 'the span has token usage');
}

function assertServed(served: Served, exitCode = 143): void {
  assert.equal(served.chat.text, 'The order has shipped.');
  assert.ok(served.chat.instrumentations.includes('openai'), `getStatus(): ${served.chat.instrumentations.join(',')}`);
  assert.deepEqual(served.edge, { answer: 'edge-ok', status: null });
  assert.equal(served.middlewareHeader, 'ran');
  assert.equal(served.exitCode, exitCode, served.stderr);
  assert.doesNotMatch(served.stderr, /Error|__import_unsupported/);
}

/** The Anthropic and AI SDK routes answered, and their LLM spans are under their requests. */
async function assertOtherClientsTraced(served: Served, model: string): Promise<void> {
  assert.deepEqual(served.texts, { '/api/anthropic': 'The order has shipped.', '/api/ai': 'The order has shipped.' });
  await assertTracedUnderRequest(`${model}-claude`, '/api/anthropic');
  await assertTracedUnderRequest(`${model}-ai-sdk`, '/api/ai');
}

describe('Next.js 16', () => {
  for (const [bundler, args] of [
    ['Turbopack', []],
    ['webpack', ['--webpack']],
  ] as const) {
    test(`${bundler}: next build and next start; openai traced under the request, getStatus() true, edge route and middleware work, spans flushed at SIGTERM`, async () => {
      const distDir = `.next-${bundler.toLowerCase()}`;
      await build(distDir, [...args]);
      const model = `gpt-next-${bundler.toLowerCase()}`;
      const routes = bundler === 'Turbopack' ? ['/api/anthropic', '/api/ai'] : [];
      const served = await serve(['node_modules/next/dist/bin/next', 'start'], distDir, model, app, { routes });
      assertServed(served);
      await assertTracedUnderRequest(model);
      if (bundler === 'Turbopack') await assertOtherClientsTraced(served, model);
    });
  }

  test('next dev (Turbopack, compiled on request): openai, Anthropic and AI SDK calls traced under their requests', async () => {
    const model = 'gpt-next-dev';
    const served = await serve(['node_modules/next/dist/bin/next', 'dev'], '.next-dev', model, app, {
      routes: ['/api/anthropic', '/api/ai'],
      // The dev server's SIGTERM ends its worker from outside: the spans are exported while it runs.
      scheduleDelay: '100',
      beforeStop: async () => {
        await receiver.waitFor('spans', (all) => all.some((span) => span.name === `chat ${model}-ai-sdk`), 20_000);
      },
    });
    assert.equal(served.chat.text, 'The order has shipped.');
    assert.ok(served.chat.instrumentations.includes('openai'), served.chat.instrumentations.join(','));
    assert.doesNotMatch(served.stderr, /Error|__import_unsupported/);
    await assertTracedUnderRequest(model);
    await assertOtherClientsTraced(served, model);
  });

  test("output: 'standalone' (Turbopack): the standalone server keeps LLM spans", async () => {
    const distDir = '.next-standalone';
    await build(distDir, [], 'standalone');
    const model = 'gpt-next-standalone';
    const served = await serve([join(distDir, 'standalone/server.js')], distDir, model);
    assertServed(served);
    await assertTracedUnderRequest(model);
  });
});

describe('Next.js 15', () => {
  test('webpack (its default bundler): next build and next start; openai traced under the request, edge route and middleware work, spans flushed at SIGTERM', async () => {
    const distDir = '.next-webpack';
    await build(distDir, [], undefined, app15);
    const model = 'gpt-next15-webpack';
    const served = await serve(['node_modules/next/dist/bin/next', 'start'], distDir, model, app15);
    // Next.js 15's own SIGTERM handler exits with 0.
    assertServed(served, 0);
    await assertTracedUnderRequest(model);
  });
});
