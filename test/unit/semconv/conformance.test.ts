// Everything genai-otel emits, checked against the facts of the pinned GenAI conventions (facts.json, written by
// scripts/semconv/extract.mjs): attribute names, types and enum members, requirement levels and allowed attributes
// per span, event and metric, span kinds, metric instruments and units, and the JSON schemas of the content
// attributes. The helpers (withLLMCall, tools, agents, workflow, retrieval, memory, describeAgent) and the OpenAI
// instrumentation (chat, tools, streams, Responses, embeddings, errors), the Anthropic one (tools, streams) and the
// provider clients (@google/genai with tools, stream and embeddings; Bedrock Converse with tools and its stream; Groq,
// Ollama, Cohere chat) run against the local fakes of their wire formats in every content capture mode. The frameworks
// (AI SDK, LangChain, Agents SDK, MCP, vector stores) are checked the same way in conformance-frameworks.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { createAnthropicInstrumentation } from '../../../src/instrumentations/anthropic.ts';
import { createGoogleGenAIInstrumentation } from '../../../src/instrumentations/google-genai.ts';
import { createBedrockInstrumentation } from '../../../src/instrumentations/bedrock.ts';
import { createGroqInstrumentation } from '../../../src/instrumentations/groq.ts';
import { createOllamaInstrumentation } from '../../../src/instrumentations/ollama.ts';
import { createCohereInstrumentation } from '../../../src/instrumentations/cohere.ts';
import { startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import {
  checkAttributes,
  facts,
  emittedNameCount,
  namesOutsideTheFacts,
  runAndCheck,
  type SignalFact,
} from '../../support/semconv-conformance.ts';
import {
  describeAgent,
  withAgent,
  withLLMCall,
  withMemoryOperation,
  withRetrieval,
  withToolCall,
  withWorkflow,
} from '../../../src/index.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());
const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
createAnthropicInstrumentation();
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const anthropic = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
// The provider clients of issue 19, each against the fake of its own wire format.
createGoogleGenAIInstrumentation();
createBedrockInstrumentation();
createGroqInstrumentation();
createOllamaInstrumentation();
createCohereInstrumentation();
const fakeApis = await startFakeProviderApis();
after(() => fakeApis.close());
const { GoogleGenAI } = require('@google/genai') as typeof import('@google/genai');
const gemini = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: fakeApis.baseURL } });
const bedrockRuntime = require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
const bedrock = new bedrockRuntime.BedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: fakeApis.bedrockURL,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
});
const Groq = (require('groq-sdk') as typeof import('groq-sdk')).default;
const groq = new Groq({ apiKey: 'test-key', baseURL: fakeApis.baseURL, maxRetries: 0 });
const { Ollama } = require('ollama') as typeof import('ollama');
const ollama = new Ollama({ host: fakeApis.baseURL });
const { CohereClientV2 } = require('cohere-ai') as typeof import('cohere-ai');
const cohere = new CohereClientV2({ token: 'test-key', environment: fakeApis.baseURL });

const completion = {
  object: 'chat.completion',
  id: 'chatcmpl-c',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"A-1"}' } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 30, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 10 } },
};
const lookupOrder = {
  type: 'function',
  function: { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: {} } },
};

/** Everything genai-otel records, once: helpers nested as an application would, then the OpenAI client's calls. */
async function emitEverything(): Promise<void> {
  await withWorkflow({ name: 'support-flow' }, async () => {
    describeAgent({
      name: 'support-agent',
      provider: 'openai',
      model: 'gpt-4o-mini',
      tools: [lookupOrder],
      systemInstructions: 'Help.',
    });
    await withAgent({ name: 'support-agent', provider: 'openai', model: 'gpt-4o-mini' }, async () => {
      await withLLMCall(
        {
          provider: 'openai',
          model: 'gpt-4o-mini',
          temperature: 0.2,
          seed: 7,
          messages: [
            { role: 'user', content: 'Where is A-1?' },
            {
              role: 'assistant',
              tool_calls: [
                { id: 'call_0', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"A-0"}' } },
              ],
            },
            { role: 'tool', tool_call_id: 'call_0', content: 'delivered' },
          ],
          systemInstructions: 'Be brief.',
          tools: [lookupOrder],
        },
        async () => completion,
      );
      await withToolCall(
        { name: 'lookup_order', callId: 'call_1', type: 'function', arguments: { id: 'A-1' } },
        async () => ({
          status: 'shipped',
        }),
      );
      await withRetrieval({ dataSourceId: 'kb', topK: 3, query: 'refunds' }, async () => [{ id: 'doc-1', score: 0.9 }]);
      await withMemoryOperation({ operation: 'search', storeId: 'facts', query: 'A-1' }, async () => ['likes tea']);
      await assert.rejects(
        withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => {
          throw new TypeError('bad request');
        }),
      );
    });
  });
  const messages = [{ role: 'user' as const, content: 'Where is A-1?' }];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, seed: 3 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [lookupOrder as never] });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) void chunk;
  await client.responses.create({ model: 'gpt-4o-mini', input: 'Where is A-1?', instructions: 'Be brief.' });
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'sunny day' });
  await assert.rejects(
    client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: { 'x-fake-scenario': 'server-error' } },
    ),
  );
  const claude = {
    model: 'claude-sonnet-4-20250514',
    max_tokens: 256,
    system: 'You answer order questions.',
    messages: [{ role: 'user' as const, content: 'Where is A-1?' }],
  };
  await anthropic.messages.create({
    ...claude,
    tools: [{ name: 'lookup_order', description: 'Finds an order', input_schema: { type: 'object', properties: {} } }],
  });
  const claudeStream = await anthropic.messages.create({ ...claude, stream: true });
  for await (const event of claudeStream) void event;
  await emitProviderCalls();
}

/** The provider clients' calls: Gemini (tools, stream, embeddings), Bedrock Converse (tools, stream), Groq, Ollama, Cohere. */
async function emitProviderCalls(): Promise<void> {
  const question = 'Where is A-1?';
  await gemini.models.generateContent({
    model: 'gemini-2.5-flash',
    contents: question,
    config: {
      systemInstruction: 'You answer order questions.',
      temperature: 0.2,
      tools: [{ functionDeclarations: [{ name: 'lookup_order', description: 'Find an order' }] }],
    },
  });
  for await (const chunk of await gemini.models.generateContentStream({
    model: 'gemini-2.5-flash',
    contents: question,
  }))
    void chunk;
  await gemini.models.embedContent({ model: 'text-embedding-004', contents: question });
  const converse = {
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    messages: [{ role: 'user' as const, content: [{ text: question }] }],
    system: [{ text: 'You answer order questions.' }],
    inferenceConfig: { maxTokens: 256, temperature: 0.3 },
  };
  await bedrock.send(
    new bedrockRuntime.ConverseCommand({
      ...converse,
      toolConfig: {
        tools: [{ toolSpec: { name: 'lookup_order', description: 'Find an order', inputSchema: { json: {} } } }],
      },
    }),
  );
  const converseStream = await bedrock.send(new bedrockRuntime.ConverseStreamCommand(converse));
  for await (const event of converseStream.stream ?? []) void event;
  const messages = [{ role: 'user' as const, content: question }];
  await groq.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages, max_tokens: 64 });
  await ollama.chat({ model: 'llama3.2', messages });
  await cohere.chat({ model: 'command-a-03-2025', messages });
}

const problemsWith = (env: Record<string, string | undefined>, catalogue: Record<string, SignalFact>) =>
  runAndCheck(sdk, emitEverything, env, catalogue);

for (const mode of ['NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT']) {
  test(`content capture ${mode}: every span, event, log record and metric follows the conventions of ${facts.source.commit.slice(0, 8)}`, async () => {
    const { problems, spans, logs } = await problemsWith(
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: mode, OTEL_SEMCONV_STABILITY_OPT_IN: undefined },
      facts.metrics,
    );
    assert.deepEqual(problems, []);
    // The run did emit what the modes promise, so an empty list means something.
    assert.ok(spans.length >= 16, `${spans.length} spans`);
    for (const scope of ['genai-otel', '@opentelemetry/instrumentation-openai'])
      assert.ok(
        spans.some((span) => span.instrumentationScope.name === scope),
        `spans of ${scope}`,
      );
    assert.equal(
      spans.filter((span) => span.name === 'chat claude-sonnet-4-20250514').length,
      2,
      'the Anthropic instrumentation traced both calls',
    );
    assert.deepEqual(
      new Set(spans.flatMap((span) => span.attributes['gen_ai.provider.name'] ?? [])),
      new Set(['openai', 'anthropic', 'gcp.gemini', 'aws.bedrock', 'groq', 'ollama', 'cohere']),
      'every provider client made its spans',
    );
    const onSpans = spans.some((span) => span.attributes['gen_ai.input.messages'] !== undefined);
    const events = logs.filter((record) => record.eventName === 'gen_ai.client.inference.operation.details').length;
    assert.equal(onSpans, mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT');
    assert.equal(events > 0, mode === 'EVENT_ONLY' || mode === 'SPAN_AND_EVENT');
    assert.equal(logs.filter((record) => record.eventName === 'gen_ai.client.operation.exception').length, 2);
  });
}

test('gen_ai_previous: the metrics follow the previous model’s names, spans and events the pinned one', async () => {
  const { problems } = await problemsWith(
    {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT',
      OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_previous',
    },
    {
      ...facts.previousMetrics,
      ...pick(facts.metrics, [
        'gen_ai.execute_tool.duration',
        'gen_ai.invoke_agent.duration',
        'gen_ai.invoke_workflow.duration',
      ]),
    },
  );
  // gen_ai.system is deprecated but asked for: the only difference allowed on spans.
  assert.deepEqual(
    problems.filter((problem) => !problem.includes('gen_ai.system')),
    [],
  );
  delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
});

test('the checks catch what they are for: a foreign gen_ai name, a wrong type, a provider-shaped tool definition', () => {
  const problems: string[] = [];
  checkAttributes(
    'probe',
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.made.up': 'x',
      'gen_ai.request.seed': 1.5,
      'gen_ai.tool.definitions': JSON.stringify([lookupOrder]),
    },
    {
      'gen_ai.operation.name': 'required',
      'gen_ai.request.seed': 'conditionally_required',
      'gen_ai.tool.definitions': 'opt_in',
      'gen_ai.provider.name': 'required',
    },
    false,
    problems,
  );
  assert.ok(problems.some((problem) => problem.includes('required gen_ai.provider.name missing')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.made.up is not in the registry')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.request.seed=1.5 is not a int')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.tool.definitions fails its JSON schema')));
});

test('every gen_ai.* name the runs above emitted is in the facts (own names are genai_otel.*)', () => {
  assert.ok(emittedNameCount() > 40, `${emittedNameCount()} names seen`);
  assert.deepEqual(namesOutsideTheFacts(), []);
});

function pick<T>(object: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.map((key) => [key, object[key]!]));
}
