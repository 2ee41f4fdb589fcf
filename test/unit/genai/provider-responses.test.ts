import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { readProviderResponse } from '../../../src/genai/response-readers.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

const sdk = installMemorySdk();

// Response bodies in the shapes of each provider's public API reference.
const openAIChat = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024 },
    completion_tokens_details: { reasoning_tokens: 0 },
  },
};

const openAIResponses = {
  id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
  object: 'response',
  status: 'completed',
  model: 'o4-mini-2025-04-16',
  output: [
    { type: 'reasoning', id: 'rs_1', summary: [] },
    {
      type: 'message',
      id: 'msg_1',
      role: 'assistant',
      content: [{ type: 'output_text', text: 'In a peaceful grove...' }],
    },
  ],
  usage: {
    input_tokens: 36,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 87,
    output_tokens_details: { reasoning_tokens: 64 },
    total_tokens: 123,
  },
};

const openAIEmbeddings = {
  object: 'list',
  data: [{ object: 'embedding', embedding: [0.0023064255, -0.009327292, 0.015797347], index: 0 }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 8, total_tokens: 8 },
};

const anthropicMessage = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-20250514',
  content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 2051, cache_read_input_tokens: 0 },
};

const bedrockConverse = {
  $metadata: { httpStatusCode: 200, requestId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111' },
  output: { message: { role: 'assistant', content: [{ text: 'Paris is the capital of France.' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42, cacheReadInputTokens: 100, cacheWriteInputTokens: 0 },
  metrics: { latencyMs: 412 },
};

const geminiResponse = {
  candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
  usageMetadata: {
    promptTokenCount: 12,
    candidatesTokenCount: 30,
    thoughtsTokenCount: 20,
    totalTokenCount: 62,
    cachedContentTokenCount: 4,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'gemini-resp-1',
};

test('OpenAI chat completion: usage with cached and reasoning tokens, id, model, finish reasons', async () => {
  await withLLMCall({ provider: 'openai', model: 'gpt-4o' }, async () => openAIChat);
  const attributes = sdk.span('chat gpt-4o').attributes;
  assert.equal(attributes['gen_ai.response.id'], openAIChat.id);
  assert.equal(attributes['gen_ai.response.model'], 'gpt-4o-2024-08-06');
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['tool_calls']);
  assert.equal(attributes['gen_ai.usage.input_tokens'], 1117);
  assert.equal(attributes['gen_ai.usage.output_tokens'], 46);
  assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], 1024);
  assert.equal(attributes['gen_ai.usage.reasoning.output_tokens'], 0);
});

test('OpenAI Responses API: usage, reasoning tokens and a completed status', async () => {
  await withLLMCall({ provider: 'openai', model: 'o4-mini' }, async () => openAIResponses);
  const attributes = sdk.span('chat o4-mini').attributes;
  assert.equal(attributes['gen_ai.response.id'], openAIResponses.id);
  assert.equal(attributes['gen_ai.usage.input_tokens'], 36);
  assert.equal(attributes['gen_ai.usage.output_tokens'], 87);
  assert.equal(attributes['gen_ai.usage.reasoning.output_tokens'], 64);
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['stop']);
});

test('OpenAI embeddings: input tokens and the vector length', async () => {
  await withLLMCall(
    { provider: 'openai', model: 'text-embedding-3-small', operation: 'embeddings' },
    async () => openAIEmbeddings,
  );
  const span = sdk.span('embeddings text-embedding-3-small');
  assert.equal(span.attributes['gen_ai.operation.name'], 'embeddings');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 8);
  assert.equal(span.attributes['gen_ai.embeddings.dimension.count'], 3);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], undefined);
});

test('Anthropic message: cache tokens are added to input tokens, as the conventions count them', async () => {
  await withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => anthropicMessage);
  const attributes = sdk.span('chat claude-sonnet-4').attributes;
  assert.equal(attributes['gen_ai.response.id'], anthropicMessage.id);
  assert.equal(attributes['gen_ai.usage.input_tokens'], 2095 + 2051);
  assert.equal(attributes['gen_ai.usage.cache_write.input_tokens'], 2051);
  assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], 0);
  assert.equal(attributes['gen_ai.usage.output_tokens'], 503);
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['end_turn']);
});

test("cache writes: the pinned name by default, the previous model's under OTEL_SEMCONV_STABILITY_OPT_IN", async () => {
  const names = async (optIn: string | undefined) => {
    if (optIn === undefined) delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    else process.env.OTEL_SEMCONV_STABILITY_OPT_IN = optIn;
    resetGenAISettingsForTests();
    await sdk.reset();
    await withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => anthropicMessage);
    const attributes = sdk.span('chat claude-sonnet-4').attributes;
    return [
      attributes['gen_ai.usage.cache_write.input_tokens'],
      attributes['gen_ai.usage.cache_creation.input_tokens'],
    ];
  };
  try {
    assert.deepEqual(await names(undefined), [2051, undefined]);
    assert.deepEqual(await names('gen_ai_previous'), [undefined, 2051]);
    assert.deepEqual(await names('gen_ai_latest_experimental/dup'), [2051, 2051]);
  } finally {
    delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    resetGenAISettingsForTests();
  }
});

test('the token counters carry the modalities the provider reports (Gemini, OpenAI), the rest as unknown', async () => {
  await withLLMCall({ provider: 'gcp.gemini', model: 'gemini-modality', operation: 'generate_content' }, async () => ({
    candidates: [{ content: { role: 'model', parts: [{ text: 'A cat.' }] }, finishReason: 'STOP' }],
    usageMetadata: {
      promptTokenCount: 268,
      candidatesTokenCount: 20,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: 10 },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
      candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 20 }],
    },
    modelVersion: 'gemini-modality',
  }));
  await withLLMCall({ provider: 'openai', model: 'gpt-audio-modality' }, async () => ({
    object: 'chat.completion',
    id: 'chatcmpl-audio',
    model: 'gpt-audio-modality',
    choices: [{ message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 80,
      completion_tokens: 30,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 50 },
      completion_tokens_details: { audio_tokens: 0, reasoning_tokens: 0 },
    },
  }));
  const metrics = await sdk.collect();
  const byModality = (metric: string, model: string) =>
    Object.fromEntries(
      sdk
        .points(metrics.get(metric))
        .filter((point) => point.attributes['gen_ai.request.model'] === model)
        .map((point) => [point.attributes['gen_ai.token.modality'], point.value]),
    );
  assert.deepEqual(byModality('gen_ai.client.inference.usage.input_tokens', 'gemini-modality'), {
    text: 10,
    image: 258,
  });
  assert.deepEqual(byModality('gen_ai.client.inference.usage.output_tokens', 'gemini-modality'), { text: 20 });
  // OpenAI splits out audio (and image, text where it reports them); what it does not split is of unknown modality.
  assert.deepEqual(byModality('gen_ai.client.inference.usage.input_tokens', 'gpt-audio-modality'), {
    audio: 50,
    unknown: 30,
  });
  assert.deepEqual(byModality('gen_ai.client.inference.usage.output_tokens', 'gpt-audio-modality'), { unknown: 30 });
});

test('AWS Bedrock Converse: usage, request id and stop reason', async () => {
  await withLLMCall(
    { provider: 'aws.bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' },
    async () => bedrockConverse,
  );
  const attributes = sdk.span('chat us.anthropic.claude-3-5-haiku-20241022-v1:0').attributes;
  assert.equal(attributes['gen_ai.response.id'], bedrockConverse.$metadata.requestId);
  assert.equal(attributes['gen_ai.usage.input_tokens'], 130);
  assert.equal(attributes['gen_ai.usage.cache_read.input_tokens'], 100);
  assert.equal(attributes['gen_ai.usage.output_tokens'], 12);
  assert.deepEqual(attributes['gen_ai.response.finish_reasons'], ['end_turn']);
});

test('Gemini generateContent: thinking tokens are output tokens and reasoning tokens', () => {
  const read = readProviderResponse(geminiResponse);
  assert.deepEqual(read?.usage, {
    inputTokens: 12,
    outputTokens: 50,
    cacheReadInputTokens: 4,
    reasoningOutputTokens: 20,
  });
  assert.equal(read?.response.model, 'gemini-2.5-flash');
  assert.deepEqual(read?.response.finishReasons, ['STOP']);
});

test('values reported through the handle win over what the response shows', async () => {
  await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, async (call) => {
    call.setUsage({ outputTokens: 999 });
    return openAIChat;
  });
  const attributes = sdk.span('chat gpt-4o-mini').attributes;
  assert.equal(attributes['gen_ai.usage.output_tokens'], 999);
  assert.equal(attributes['gen_ai.usage.input_tokens'], 1117);
});

test('anything else is not mistaken for a response', () => {
  for (const value of [null, undefined, 'text', 42, [], { object: 'something' }, { type: 'message' }]) {
    assert.equal(readProviderResponse(value), undefined, JSON.stringify(value));
  }
});
