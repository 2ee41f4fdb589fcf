// The local store as users get it: the packed tarball installed beside the real `openai` client in a scratch app, run
// with OTEL_TRACES_EXPORTER=local and OTEL_LOGS_EXPORTER=local (CommonJS with --require, ES modules with --import, on
// Node 22 and Node 24), making LLM calls against the local fake provider; then the installed `genai-otel` command
// (`npx genai-otel`, from the app's folder) answers `report`, `traces`, `sessions` and `export csv` from that store,
// and `import` loads a JSON-lines file into a second store. The answers must be what the app made; the store is 0600
// in a 0700 folder; nothing native is needed for node:sqlite, and Node 24's ExperimentalWarning never shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.ts';
import {
  assertSucceeded,
  childEnv,
  createApp,
  node22,
  node24,
  npmInstall,
  packRepository,
  run,
  scratchRoot,
} from './scratch.ts';

const root = scratchRoot();
let tarball: string;
let provider: FakeProvider;
let app: string;

/** USD per 1M tokens for the app's model, from a prices file of the app's: the expected cost is known exactly. */
const PRICE = { input: 2, output: 8, cacheRead: 1 };
const CALLS = 5;

// Five chat calls through the real openai client (traced by the preload), each in a turn of the app's own, in one
// session; the last turn liked. Prints what the client got back and what it cost at PRICE.
const appBody = `
const client = new OpenAI({ apiKey: 'test-key', baseURL: process.env.FAKE_OPENAI_URL, maxRetries: 0 });
const tracer = trace.getTracer('store-install');
const totals = { calls: 0, input: 0, output: 0, cacheRead: 0, cost: 0 };
let last;
await withContext({ sessionId: process.env.SESSION, userId: 'user-1' }, async () => {
  for (let index = 0; index < ${CALLS}; index++) {
    const answer = await tracer.startActiveSpan('turn', async (span) => {
      last = span.spanContext();
      try {
        return await client.chat.completions.create({ model: process.env.MODEL, messages: [{ role: 'user', content: 'hello ' + index }] });
      } finally {
        span.end();
      }
    });
    const usage = answer.usage;
    totals.calls++;
    totals.input += usage.prompt_tokens;
    totals.output += usage.completion_tokens;
    totals.cacheRead += usage.prompt_tokens_details.cached_tokens;
    totals.cost += costOfUsage(
      { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, cacheReadInputTokens: usage.prompt_tokens_details.cached_tokens },
      ${JSON.stringify(PRICE)},
    );
  }
});
recordFeedback({ traceId: last.traceId, spanId: last.spanId }, { liked: true });
console.log(JSON.stringify(totals));
`;

before(async () => {
  provider = await startFakeProvider();
  tarball = await packRepository(root);
  app = createApp(root, 'store', {
    'app.cjs': `const OpenAI = require('openai');
const { trace } = require('@opentelemetry/api');
const { costOfUsage, recordFeedback, withContext } = require('genai-otel');
(async () => {${appBody.replace(/^/gm, '  ')}})();
`,
    'app.mjs': `import OpenAI from 'openai';
import { trace } from '@opentelemetry/api';
import { costOfUsage, recordFeedback, withContext } from 'genai-otel';
${appBody}`,
    'prices.json': JSON.stringify({ 'gpt-store-install': PRICE }),
  });
  await npmInstall(app, ['openai', tarball]);
});

after(async () => {
  await provider?.close();
  if (process.env.GENAI_OTEL_KEEP_SCRATCH === '1') console.log(`scratch apps kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

interface Totals {
  calls: number;
  input: number;
  output: number;
  cacheRead: number;
  cost: number;
}

/** `npx genai-otel <args>` in the app's folder, as a user runs it, on `node`. */
async function cli(args: string[], folder: string, node = node22): Promise<string> {
  const result = assertSucceeded(
    await run('npx', ['--no-install', 'genai-otel', ...args], {
      cwd: app,
      env: childEnv({ GENAI_OTEL_FILE_DIR: folder, NO_COLOR: '1' }, node),
    }),
    `genai-otel ${args.join(' ')}`,
  );
  assert.doesNotMatch(result.stderr, /ExperimentalWarning|SQLite is an experimental/);
  return result.stdout;
}

/** `report --source store --json` read from `folder` says the calls, tokens and cost of `expected`, and one like. */
async function assertStoreReport(folder: string, node: string, expected: Totals): Promise<void> {
  const report = JSON.parse(await cli(['report', '--source', 'store', '--json'], folder, node)) as {
    requests: number;
    tokens: { input: number; output: number; cacheRead: number };
    costUsd: number;
    feedback: { likes: number };
  };
  assert.equal(report.requests, expected.calls);
  assert.deepEqual(report.tokens, { input: expected.input, output: expected.output, cacheRead: expected.cacheRead });
  assert.ok(Math.abs(report.costUsd - expected.cost) < 1e-9, `${report.costUsd} against ${expected.cost}`);
  assert.equal(report.feedback.likes, 1);
}

describe('the tarball, for the local store', () => {
  test('holds no native module: node:sqlite is built into Node', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      files.filter((file) => /\.(node|so|dylib|dll|wasm)$/.test(file)),
      [],
    );
    assert.ok(!readdirSync(join(app, 'node_modules')).some((name) => /sqlite|duckdb/i.test(name)));
  });
});

for (const [label, node] of [
  ['Node 22', node22],
  ['Node 24', node24],
] as const) {
  for (const [flag, script] of [
    ['--require', 'app.cjs'],
    ['--import', 'app.mjs'],
  ] as const) {
    describe(`${flag} genai-otel/register on ${label}, OTEL_TRACES_EXPORTER=local OTEL_LOGS_EXPORTER=local`, () => {
      const tag = `${label.replace(' ', '')}${flag.replace('--', '-')}`;
      const folder = join(root, `store${tag}`);
      const session = `session${tag}`;
      let totals: Totals;

      /** Runs the app with its spans and log records going to `exporter` in `into`; returns what it printed. */
      const runApp = async (exporter: string, into: string): Promise<Totals> => {
        const result = assertSucceeded(
          await run(node, [flag, 'genai-otel/register', script], {
            cwd: app,
            env: childEnv(
              {
                OTEL_SERVICE_NAME: 'store-install',
                OTEL_TRACES_EXPORTER: exporter,
                OTEL_LOGS_EXPORTER: exporter,
                OTEL_METRICS_EXPORTER: 'none',
                GENAI_OTEL_FILE_DIR: into,
                GENAI_OTEL_PRICES_FILE: join(app, 'prices.json'),
                FAKE_OPENAI_URL: provider.openaiBaseURL,
                MODEL: 'gpt-store-install',
                SESSION: session,
              },
              node,
            ),
          }),
          `${flag} ${script} on ${label} (${exporter})`,
        );
        // The app's own output only: no warning of node:sqlite's, no line of ours.
        assert.equal(result.stderr, '');
        const printed = JSON.parse(result.stdout) as Totals;
        assert.equal(printed.calls, CALLS);
        return printed;
      };

      before(async () => {
        totals = await runApp('local', folder);
      });

      test("the store is 0600 in a 0700 folder, and the app's status file says what was written", () => {
        assert.equal(statSync(folder).mode & 0o777, 0o700);
        for (const name of readdirSync(folder)) assert.equal(statSync(join(folder, name)).mode & 0o777, 0o600, name);
        const statusFiles = readdirSync(folder).filter((name) => /^status\.\d+-\d+\.json$/.test(name));
        assert.equal(statusFiles.length, 1, readdirSync(folder).join(', '));
        const { store, endedAt } = JSON.parse(readFileSync(join(folder, statusFiles[0]!), 'utf8')) as {
          endedAt?: string;
          store: { state: string; signals: Record<'traces' | 'logs', { written: number; dropped: number }> };
        };
        assert.equal(store.state, 'ok');
        assert.ok(endedAt !== undefined, 'the app ended and said so');
        // A turn and its chat span per call; one feedback record.
        assert.deepEqual(store.signals.traces, { ...store.signals.traces, written: 2 * CALLS, dropped: 0 });
        assert.deepEqual(store.signals.logs, { ...store.signals.logs, written: 1, dropped: 0 });
      });

      test('report: the calls, tokens and cost the app made', async () => {
        await assertStoreReport(folder, node, totals);
      });

      test('traces, sessions and export csv answer from the store', async () => {
        const traces = await cli(['traces', '--source', 'store', '--session', session], folder, node);
        assert.equal(traces.match(/chat gpt-store-install/g)?.length, CALLS, traces);
        const sessions = JSON.parse(await cli(['sessions', '--source', 'store', '--json'], folder, node)) as {
          sessionId: string;
          likes: number;
        }[];
        const row = sessions.find((entry) => entry.sessionId === session);
        assert.ok(row !== undefined, JSON.stringify(sessions));
        assert.equal(row.likes, 1);
        const csv = await cli(['export', '--source', 'store', '--format', 'csv'], folder, node);
        const lines = csv.trim().split('\n');
        assert.equal(lines.filter((line) => line.includes('gpt-store-install')).length, CALLS, csv);
      });

      test("import loads the file exporter's JSON lines into a second store, and report reads the same figures from it", async () => {
        const files = join(root, `files${tag}`);
        const fromFiles = await runApp('file', files);
        const second = join(root, `second${tag}`);
        await cli(['import', join(files, 'traces.jsonl'), join(files, 'logs.jsonl'), '--dir', second], second, node);
        assert.equal(statSync(second).mode & 0o777, 0o700);
        assert.equal(statSync(join(second, 'telemetry.db')).mode & 0o777, 0o600);
        await assertStoreReport(second, node, fromFiles);
      });
    });
  }
}
