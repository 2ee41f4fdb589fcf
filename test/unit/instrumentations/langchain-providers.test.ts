// LangChain's provider chat models, the real packages from npm (installed into a scratch folder, on the repository's
// @langchain/core), against the local fake APIs, with genai-otel's handler. Where the client underneath is one
// genai-otel traces (@langchain/groq → groq-sdk, @langchain/mistralai → @mistralai/mistralai, @langchain/ollama →
// ollama/browser) the client's span is the model call and the handler adds none; where it is not
// (@langchain/google-genai → @google/generative-ai) the handler's span is the model call, with the provider's name.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { HumanMessage } from '@langchain/core/messages';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { GEMINI_USAGE, GROQ_USAGE, MISTRAL_USAGE, startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { scratchRequire } from '../../support/scratch-packages.ts';
import { createGroqInstrumentation } from '../../../src/instrumentations/groq.ts';
import { createMistralInstrumentation } from '../../../src/instrumentations/mistral.ts';
import { createOllamaInstrumentation } from '../../../src/instrumentations/ollama.ts';
import { GenAICallbackHandler } from '../../../src/instrumentations/langchain.ts';
import { setState, startedState } from '../../../src/core/state.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';

const sdk = installMemorySdk();
const instrumentations = {
  groq: createGroqInstrumentation(),
  mistral: createMistralInstrumentation(),
  ollama: createOllamaInstrumentation(),
};
const scratch = await scratchRequire('langchain-providers', [
  '@langchain/google-genai@^2',
  '@langchain/mistralai@^1',
  '@langchain/cohere@^1',
  '@langchain/ollama@^1',
  '@langchain/groq@^1',
]);
const fake = await startFakeProviderApis();
after(() => fake.close());

/** What the tests use of a LangChain chat model (its types are in the scratch folder). */
interface ChatModel {
  invoke(messages: unknown[], options: object): Promise<{ content: unknown }>;
}
type ChatModelClass = new (fields: object) => ChatModel;
const { ChatGroq } = scratch('@langchain/groq') as { ChatGroq: ChatModelClass };
const { ChatMistralAI } = scratch('@langchain/mistralai') as { ChatMistralAI: ChatModelClass };
const { ChatOllama } = scratch('@langchain/ollama') as { ChatOllama: ChatModelClass };
const { ChatGoogleGenerativeAI } = scratch('@langchain/google-genai') as { ChatGoogleGenerativeAI: ChatModelClass };

/** genai-otel started with these instrumentations patched (what the handler checks to leave a call to the client). */
function withInstrumentations(names: string[]) {
  const state = startedState(resolveConfig({}).config, false);
  state.status.instrumentations = names;
  setState(state);
}

/** The chat spans one invocation of `model` makes, with genai-otel's handler on the run. */
async function chatSpans(model: ChatModel) {
  const before = sdk.spans().length;
  const reply = await model.invoke([new HumanMessage('Where is my order A-1?')], {
    callbacks: [new GenAICallbackHandler()],
  });
  assert.equal(reply.content, 'The order has shipped.');
  return sdk
    .spans()
    .slice(before)
    .filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
}

const models = {
  groq: () =>
    new ChatGroq({ apiKey: 'test-key', baseUrl: fake.baseURL, model: 'llama-3.3-70b-versatile', maxRetries: 0 }),
  mistral: () =>
    new ChatMistralAI({ apiKey: 'test-key', serverURL: fake.baseURL, model: 'mistral-small-latest', maxRetries: 0 }),
  ollama: () => new ChatOllama({ baseUrl: fake.baseURL, model: 'llama3.2' }),
};
const usage = { groq: GROQ_USAGE.prompt_tokens, mistral: MISTRAL_USAGE.prompt_tokens, ollama: 26 };
const providerName = { groq: 'groq', mistral: 'mistral_ai', ollama: 'ollama' };

for (const name of ['groq', 'mistral', 'ollama'] as const) {
  describe(`@langchain/${name === 'mistral' ? 'mistralai' : name}`, () => {
    test('its client traced: one chat span, the client’s (server, usage once), none from the handler', async () => {
      withInstrumentations([name, 'langchain']);
      const chats = await chatSpans(models[name]());
      assert.equal(chats.length, 1, chats.map((span) => span.name).join(', '));
      const [span] = chats;
      assert.equal(span!.attributes['gen_ai.provider.name'], providerName[name]);
      assert.equal(span!.attributes['server.port'], fake.port, 'the client’s span: it knows the server');
      assert.equal(span!.attributes['gen_ai.usage.input_tokens'], usage[name]);
    });

    test('its client not traced: the handler’s span is the model call, with the provider’s name', async () => {
      withInstrumentations(['langchain']);
      instrumentations[name].disable();
      try {
        const chats = await chatSpans(models[name]());
        assert.equal(chats.length, 1);
        assert.equal(chats[0]!.attributes['gen_ai.provider.name'], providerName[name]);
        assert.equal(chats[0]!.attributes['server.port'], undefined, 'the handler’s span');
      } finally {
        instrumentations[name].enable();
      }
    });
  });
}

test('@langchain/google-genai (on @google/generative-ai, not traced): the handler’s span, gcp.gemini, with usage', async () => {
  withInstrumentations(['google-genai', 'langchain']);
  const model = new ChatGoogleGenerativeAI({ apiKey: 'test-key', baseUrl: fake.baseURL, model: 'gemini-2.5-flash' });
  const chats = await chatSpans(model);
  assert.equal(chats.length, 1);
  const [span] = chats;
  assert.equal(span!.attributes['gen_ai.provider.name'], 'gcp.gemini');
  assert.equal(span!.attributes['gen_ai.request.model'], 'gemini-2.5-flash');
  assert.equal(span!.attributes['gen_ai.usage.input_tokens'], GEMINI_USAGE.promptTokenCount);
  assert.ok((span!.attributes['genai_otel.cost.usd'] as number) > 0);
});
