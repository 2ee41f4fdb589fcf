// AI SDK 7 through @ai-sdk/otel (its own file: ai 6 and ai 7 share a telemetry registry) around a model whose calls
// go through the real, self-traced Anthropic SDK: the AI SDK's `chat` span and the SDK's `anthropic.messages.create`
// span describe one call; the provider-level span counts it (cost, metrics), the AI SDK's is the duplicate.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';

const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor()] });
const fake = await startFakeProvider();
after(() => fake.close());
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const require = createRequire(import.meta.url);
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const ai = await import('ai');
const { OpenTelemetry } = await import('@ai-sdk/otel');
ai.registerTelemetry(new OpenTelemetry());
const client = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
const model = 'claude-sonnet-4-20250514';

/** An AI SDK model in the documented custom-provider style whose calls go through the (self-traced) Anthropic client. */
const anthropicThroughClient = {
  specificationVersion: 'v2' as const,
  provider: 'anthropic.messages',
  modelId: model,
  supportedUrls: {},
  async doGenerate() {
    const message = await client.messages.create({
      model,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Where is my order A-1?' }],
    });
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    return {
      content: [{ type: 'text' as const, text }],
      finishReason: 'stop' as const,
      usage: {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        totalTokens: message.usage.input_tokens + message.usage.output_tokens,
      },
      warnings: [],
    };
  },
  doStream(): never {
    throw new Error('not used');
  },
};

test('ai 7 chat span around a self-traced client: the SDK’s span counts, the AI SDK’s is the duplicate', async () => {
  const result = await ai.generateText({ model: anthropicThroughClient as never, prompt: 'Where is my order A-1?' });
  assert.equal(result.text, 'The order has shipped.');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const framework = sdk.span(`chat ${model}`);
  const provider = sdk.span('anthropic.messages.create');
  assert.equal(framework.instrumentationScope.name, 'gen_ai');
  assert.equal(provider.parentSpanContext?.spanId, framework.spanContext().spanId);
  assert.equal(framework.attributes['genai_otel.call.duplicate'], true);
  assert.equal(framework.attributes['genai_otel.cost.usd'], undefined);
  assert.ok(
    Math.abs((provider.attributes['genai_otel.cost.usd'] as number) - (200 * 3 + 50 * 0.3 + 60 * 15) / 1e6) < 1e-12,
  );
  const duration = (await sdk.collect()).get('gen_ai.client.inference.duration') as HistogramMetricData;
  assert.equal(
    duration.dataPoints.reduce((sum, point) => sum + point.value.count, 0),
    1,
  );
});
