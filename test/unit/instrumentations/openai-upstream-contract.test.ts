// genai-otel's OpenAI layer subclasses the contrib `@opentelemetry/instrumentation-openai` (bundled into dist at build
// time) and overrides members that are private in its type declarations, so a release that renames one, changes its
// parameters, or stops calling it through `this` would leave genai-otel silently half-working. This test pins that
// contract against the installed (locked) version and says, when it breaks, which member and which version.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';

const UPSTREAM = '@opentelemetry/instrumentation-openai';
const require = createRequire(import.meta.url);
// Required as src/instrumentations/openai.ts loads it (the CommonJS build), not imported.
const { OpenAIInstrumentation } = require(UPSTREAM) as typeof import('@opentelemetry/instrumentation-openai');
const upstreamVersion = (
  JSON.parse(readFileSync(new URL(`../../../node_modules/${UPSTREAM}/package.json`, import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const WHAT_TO_DO = 'See "Upstream OpenAI instrumentation" in the README (developing section) for what to do';

/** Every upstream member genai-otel overrides, with the parameter count upstream declares and why it is overridden. */
const OVERRIDDEN: ReadonlyArray<{ member: string; parameters: number; why: string }> = [
  { member: 'init', parameters: 0, why: 'widens the openai range to 7.x and adds the retry and runTools() patches' },
  {
    member: '_getPatchedChatCompletionsCreate',
    parameters: 0,
    why: 'observes chat.completions.create() calls (streams, retries, body parsed once)',
  },
  { member: '_getPatchedEmbeddingsCreate', parameters: 0, why: 'observes embeddings.create() calls' },
  {
    member: '_getPatchedResponsesCreate',
    parameters: 0,
    why: "observes responses.create() calls and hands back the client's own promise",
  },
  {
    member: '_createAPIPromiseRejectionHandler',
    parameters: 3,
    why: 'guards the rejection handler against errors whose getters throw',
  },
  { member: 'isEnabled', parameters: 0, why: 'traces instrument(client) calls with nothing patched globally' },
];
/** Members genai-otel adds (not upstream's). */
const ADDED = new Set(['constructor', 'patches']);
/** Upstream members genai-otel calls without overriding them. */
const CALLED = ['_wrap', '_unwrap', 'setMeterProvider', 'setLoggerProvider'];

function broken(member: string, problem: string, why: string): string {
  return `${UPSTREAM} ${upstreamVersion}: ${member} ${problem}; genai-otel relies on it (${why}), in src/instrumentations/openai.ts. ${WHAT_TO_DO}.`;
}

// An instance, not the prototype: `_wrap` and `_unwrap` are instance fields of InstrumentationBase.
const upstreamInstance = new OpenAIInstrumentation({ enabled: false }) as unknown as Record<string, unknown>;
function upstreamMember(member: string): unknown {
  return upstreamInstance[member];
}

test(`every member genai-otel overrides exists upstream (${UPSTREAM} ${upstreamVersion}) with the parameters it declares`, () => {
  const problems: string[] = [];
  for (const { member, parameters, why } of OVERRIDDEN) {
    const found = upstreamMember(member);
    if (typeof found !== 'function') problems.push(broken(`${member}()`, 'is gone', why));
    else if (found.length !== parameters)
      problems.push(broken(`${member}()`, `now takes ${found.length} parameters, not ${parameters}`, why));
  }
  for (const member of CALLED)
    if (typeof upstreamMember(member) !== 'function')
      problems.push(broken(`${member}()`, 'is gone', 'called by the subclass'));
  assert.equal(problems.length, 0, problems.join('\n'));
});

test('every method of the subclass is either an override listed here or one genai-otel adds', () => {
  const subclass = Object.getPrototypeOf(
    createOpenAIInstrumentation({ captureContent: 'none', enabled: false }),
  ) as object;
  const listed = new Set(OVERRIDDEN.map(({ member }) => member));
  const unlisted = Object.getOwnPropertyNames(subclass).filter((member) => !listed.has(member) && !ADDED.has(member));
  assert.deepEqual(
    unlisted,
    [],
    'a new override of an upstream member: add it to OVERRIDDEN in this test, so an upstream change to it is caught',
  );
  for (const member of ADDED) {
    if (member !== 'constructor')
      assert.equal(
        upstreamMember(member),
        undefined,
        `${UPSTREAM} ${upstreamVersion} now has its own ${member}(), which genai-otel's shadows`,
      );
  }
});

test(`the README names the installed ${UPSTREAM} among the versions known to work`, () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const line = readme.split('\n').find((text) => text.includes('Known to work:') && text.includes(UPSTREAM));
  assert.ok(line, `the README has no "Known to work:" line for ${UPSTREAM}`);
  const [major, minor] = upstreamVersion.split('.');
  assert.ok(
    line.includes(`${major}.${minor}.x`),
    `${UPSTREAM} ${upstreamVersion} is installed but the README's known-to-work line does not name ${major}.${minor}.x: once this test file and test/unit/instrumentations/openai*.test.ts pass with it, add it there (${WHAT_TO_DO.replace(/^See/, 'see')})`,
  );
});

// Through the client: upstream's init() must still build each patch with `this._getPatched*()`, so that genai-otel's
// observer sits inside each call. Retries are what only that observer can see (the client retries below the official
// span), so a span with its retry counted proves the override ran for that method.
process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());
const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 2 });

const calls = [
  {
    member: '_getPatchedChatCompletionsCreate',
    call: (scenario: string) =>
      client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { headers: { 'x-fake-scenario': scenario } },
      ),
  },
  {
    member: '_getPatchedEmbeddingsCreate',
    call: (scenario: string) =>
      client.embeddings.create(
        { model: 'text-embedding-3-small', input: ['a'] },
        { headers: { 'x-fake-scenario': scenario } },
      ),
  },
  {
    member: '_getPatchedResponsesCreate',
    call: (scenario: string) =>
      client.responses.create({ model: 'gpt-4o-mini', input: 'hi' }, { headers: { 'x-fake-scenario': scenario } }),
  },
];

for (const { member, call } of calls) {
  test(`a call patched by upstream's init() goes through genai-otel's ${member}() (a retry counted on the official span)`, async () => {
    const before = sdk.spans().length;
    await call(`rate-limit-once:contract${member}`);
    const span = sdk
      .spans()
      .slice(before)
      .find((candidate) => candidate.instrumentationScope.name === UPSTREAM);
    assert.ok(
      span,
      `${UPSTREAM} ${upstreamVersion} made no span for the call that ${member}() patches. ${WHAT_TO_DO}.`,
    );
    assert.equal(
      span.attributes['genai_otel.retry.count'],
      1,
      broken(
        `${member}()`,
        "is no longer what upstream's init() patches the client with (genai-otel's observer did not see the call's retry)",
        'the observer of each call',
      ),
    );
  });
}
