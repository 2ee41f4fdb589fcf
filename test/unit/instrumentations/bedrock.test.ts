// The real `@aws-sdk/client-bedrock-runtime` (through the require hook) against the local fake Bedrock Runtime:
// Converse, ConverseStream (event-stream frames), InvokeModel for the main model families and its response stream.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { BEDROCK_USAGE, startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { createBedrockInstrumentation } from '../../../src/instrumentations/bedrock.ts';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
const sdk = installMemorySdk();
const instrumentation = createBedrockInstrumentation();
const require = createRequire(import.meta.url);
const bedrock = require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
const {
  BedrockRuntimeClient,
  BedrockRuntime,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ListAsyncInvokesCommand,
} = bedrock;
const fake = await startFakeProviderApis();
after(() => fake.close());

const clientConfig = {
  region: 'us-east-1',
  endpoint: fake.bedrockURL,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
};
const client = new BedrockRuntimeClient(clientConfig);
const claude = 'anthropic.claude-sonnet-4-20250514-v1:0';
const messages = [{ role: 'user' as const, content: [{ text: 'Where is my order A-1?' }] }];

function lastSpan() {
  const spans = sdk.spans();
  return spans[spans.length - 1]!;
}
/** A client whose requests carry `x-fake-scenario` (added by a build middleware, as an app would add a header). */
function clientWithScenario(scenario: string) {
  const scenarioClient = new BedrockRuntimeClient(clientConfig);
  scenarioClient.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-fake-scenario'] = scenario;
      return next(args);
    },
    { step: 'build' },
  );
  return scenarioClient;
}

test('Converse: one chat span, aws.bedrock, usage with cached tokens, finish reason, request id, cost', async () => {
  const output = await client.send(
    new ConverseCommand({
      modelId: claude,
      messages,
      system: [{ text: 'You answer order questions.' }],
      inferenceConfig: { maxTokens: 256, temperature: 0.3 },
    }),
  );
  assert.equal(output.output?.message?.content?.[0]?.text, 'The order has shipped.');
  const span = lastSpan();
  assert.equal(span.name, `chat ${claude}`);
  assert.equal(span.attributes['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(span.attributes['gen_ai.request.max_tokens'], 256);
  assert.equal(span.attributes['gen_ai.request.temperature'], 0.3);
  assert.equal(
    span.attributes['gen_ai.usage.input_tokens'],
    BEDROCK_USAGE.inputTokens + BEDROCK_USAGE.cacheReadInputTokens,
    'cached tokens count as input, as the conventions say',
  );
  assert.equal(span.attributes['gen_ai.usage.cache_read.input_tokens'], BEDROCK_USAGE.cacheReadInputTokens);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], BEDROCK_USAGE.outputTokens);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(span.attributes['gen_ai.response.id'], 'req-bedrock-1');
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0, 'Claude on Bedrock is priced as Anthropic');
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.input.messages'] as string), [
    { role: 'user', parts: [{ type: 'text', content: 'Where is my order A-1?' }] },
  ]);
  assert.deepEqual(JSON.parse(span.attributes['gen_ai.system_instructions'] as string), [
    { type: 'text', content: 'You answer order questions.' },
  ]);
});

test('aws.bedrock.guardrail.id: the guardrail a Converse or InvokeModel request applies; none without one', async () => {
  await client.send(new ConverseCommand({ modelId: claude, messages }));
  assert.equal(lastSpan().attributes['aws.bedrock.guardrail.id'], undefined);
  await client.send(
    new ConverseCommand({
      modelId: claude,
      messages,
      guardrailConfig: { guardrailIdentifier: 'gr-orders', guardrailVersion: '1' },
    }),
  );
  assert.equal(lastSpan().attributes['aws.bedrock.guardrail.id'], 'gr-orders');
  await client.send(
    new InvokeModelCommand({
      modelId: claude,
      body: JSON.stringify({
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      contentType: 'application/json',
      guardrailIdentifier: 'gr-invoke',
      guardrailVersion: 'DRAFT',
    }),
  );
  assert.equal(lastSpan().attributes['aws.bedrock.guardrail.id'], 'gr-invoke');
});

test('server.address and server.port: the configured endpoint, on the span and the duration metric', async () => {
  await client.send(new ConverseCommand({ modelId: claude, messages }));
  const span = lastSpan();
  const port = Number(new URL(fake.bedrockURL).port);
  assert.equal(span.attributes['server.address'], '127.0.0.1');
  assert.equal(span.attributes['server.port'], port);
  const durations = sdk.points((await sdk.collect()).get('gen_ai.client.inference.duration'));
  assert.ok(
    durations.some(
      (point) => point.attributes['gen_ai.provider.name'] === 'aws.bedrock' && point.attributes['server.port'] === port,
    ),
  );
});

test('server.address from the region: the endpoint the SDK resolves, also when the request fails', async () => {
  const regional = new BedrockRuntimeClient({
    region: 'eu-west-3',
    credentials: clientConfig.credentials,
    maxAttempts: 1,
    // No network here: the request stops at the handler, after the SDK resolved the region's endpoint.
    requestHandler: {
      handle: () => Promise.reject(Object.assign(new Error('offline'), { name: 'OfflineError' })),
    },
  });
  await assert.rejects(regional.send(new ConverseCommand({ modelId: claude, messages })), /offline/);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(span.attributes['server.address'], 'bedrock-runtime.eu-west-3.amazonaws.com');
  assert.equal(span.attributes['server.port'], 443);
  assert.equal(span.attributes['error.type'], 'OfflineError');
});

test('the aggregated client (converse()) and tool use: finish reason tool_use, the call in the output', async () => {
  const aggregated = new BedrockRuntime(clientConfig);
  await aggregated.converse({
    modelId: claude,
    messages,
    toolConfig: { tools: [{ toolSpec: { name: 'lookup_order', inputSchema: { json: { type: 'object' } } } }] },
  });
  const span = lastSpan();
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['tool_use']);
  const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as {
    parts: { type: string; name: string }[];
  }[];
  assert.equal(output[0]?.parts[0]?.type, 'tool_call');
  assert.equal(output[0]?.parts[0]?.name, 'lookup_order');
});

test('ConverseStream: the SDK’s event stream reaches the caller; the span ends with it, with usage and time to first chunk', async () => {
  const before = sdk.spans().length;
  const output = await client.send(new ConverseStreamCommand({ modelId: claude, messages }));
  assert.equal(sdk.spans().length, before, 'the span stays open while the stream is read');
  let text = '';
  const kinds: string[] = [];
  for await (const event of output.stream!) {
    kinds.push(Object.keys(event)[0]!);
    text += event.contentBlockDelta?.delta?.text ?? '';
  }
  assert.equal(text, 'The order has shipped.');
  assert.deepEqual(kinds, [
    'messageStart',
    'contentBlockDelta',
    'contentBlockDelta',
    'contentBlockStop',
    'messageStop',
    'metadata',
  ]);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['genai_otel.stream.chunk_count'], 6);
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], BEDROCK_USAGE.outputTokens);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  const output2 = JSON.parse(span.attributes['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[];
  assert.equal(output2[0]?.parts[0]?.content, 'The order has shipped.');
});

test('a ConverseStream left unread ends as abandoned after the idle timeout', async () => {
  const output = await clientWithScenario('stall').send(new ConverseStreamCommand({ modelId: claude, messages }));
  const iterator = output.stream![Symbol.asyncIterator]();
  await iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(lastSpan().attributes['genai_otel.stream.end'], 'abandoned');
  void iterator.return?.(undefined);
});

const families: {
  modelId: string;
  body: unknown;
  operation: string;
  input?: number;
  output?: number;
  finish?: string;
}[] = [
  {
    modelId: claude,
    body: { anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }] },
    operation: 'chat',
    input: 100,
    output: 12,
    finish: 'end_turn',
  },
  {
    modelId: 'us.amazon.nova-lite-v1:0',
    body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], inferenceConfig: { max_new_tokens: 200 } },
    operation: 'chat',
    input: 60,
    output: 9,
    finish: 'end_turn',
  },
  {
    modelId: 'amazon.titan-text-express-v1',
    body: { inputText: 'Hi', textGenerationConfig: { maxTokenCount: 200 } },
    operation: 'text_completion',
    input: 15,
    output: 7,
    finish: 'FINISH',
  },
  {
    modelId: 'meta.llama3-1-8b-instruct-v1:0',
    body: { prompt: 'Hi', max_gen_len: 200 },
    operation: 'text_completion',
    input: 33,
    output: 8,
    finish: 'stop',
  },
  {
    modelId: 'mistral.mistral-7b-instruct-v0:2',
    body: { prompt: '<s>[INST] Hi [/INST]', max_tokens: 200 },
    operation: 'text_completion',
    finish: 'stop',
  },
  {
    modelId: 'cohere.command-r-v1:0',
    body: { message: 'Hi', max_tokens: 200 },
    operation: 'chat',
    finish: 'COMPLETE',
  },
  { modelId: 'amazon.titan-embed-text-v2:0', body: { inputText: 'Hi' }, operation: 'embeddings', input: 6 },
  { modelId: 'cohere.embed-english-v3', body: { texts: ['Hi'], input_type: 'search_query' }, operation: 'embeddings' },
];

for (const family of families) {
  test(`InvokeModel ${family.modelId}: ${family.operation}, usage and finish reason read from its native body`, async () => {
    const output = await client.send(
      new InvokeModelCommand({
        modelId: family.modelId,
        body: JSON.stringify(family.body),
        contentType: 'application/json',
      }),
    );
    assert.ok(output.body.transformToString().length > 0, 'the caller can still read the body');
    const span = lastSpan();
    assert.equal(span.name, `${family.operation} ${family.modelId}`);
    assert.equal(span.attributes['gen_ai.operation.name'], family.operation);
    assert.equal(span.attributes['gen_ai.provider.name'], 'aws.bedrock');
    if (family.operation !== 'embeddings') assert.equal(span.attributes['gen_ai.request.max_tokens'], 200);
    assert.equal(span.attributes['gen_ai.usage.input_tokens'], family.input);
    assert.equal(span.attributes['gen_ai.usage.output_tokens'], family.output);
    if (family.finish !== undefined)
      assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], [family.finish]);
    if (family.modelId.includes('nova') || family.modelId.includes('titan'))
      assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0, 'Amazon models are in the price table');
    if (family.operation === 'embeddings')
      assert.ok((span.attributes['gen_ai.embeddings.dimension.count'] as number) > 0);
  });
}

test('InvokeModelWithResponseStream: Anthropic chunks, token counts from the invocation metrics', async () => {
  const output = await client.send(
    new InvokeModelWithResponseStreamCommand({
      modelId: claude,
      body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [] }),
    }),
  );
  let chunks = 0;
  for await (const event of output.body!) if (event.chunk !== undefined) chunks++;
  assert.equal(chunks, 6);
  const span = lastSpan();
  assert.equal(span.attributes['gen_ai.request.stream'], true);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 90);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 12);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['end_turn']);
  assert.equal(span.attributes['gen_ai.response.id'], 'msg_bedrock_2');
});

test('a throttled call: the caller gets ThrottlingException unchanged, error.type names it', async () => {
  const error = await clientWithScenario('throttled')
    .send(new ConverseCommand({ modelId: claude, messages }))
    .then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
  assert.ok(error instanceof bedrock.ThrottlingException);
  const span = lastSpan();
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], 'ThrottlingException');
  const errors = sdk.points((await sdk.collect()).get('genai_otel.client.errors'));
  assert.ok(errors.some((point) => point.attributes['error.type'] === 'ThrottlingException'));
});

test('other commands and callback-style calls are not traced', async () => {
  const before = sdk.spans().length;
  await client.send(new ListAsyncInvokesCommand({})).catch(() => undefined);
  await new Promise<void>((resolve) => {
    client.send(new ConverseCommand({ modelId: claude, messages }), () => resolve());
  });
  assert.equal(sdk.spans().length, before);
});

test('disabled: calls run untraced', async () => {
  instrumentation.disable();
  try {
    const before = sdk.spans().length;
    await client.send(new ConverseCommand({ modelId: claude, messages }));
    assert.equal(sdk.spans().length, before);
  } finally {
    instrumentation.enable();
  }
});
