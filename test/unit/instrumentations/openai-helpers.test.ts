// The openai client's helpers on top of create() — structured outputs (`parse()`), the streaming helpers and the raw
// response — with the real client (7.x through the require hook, 6.x patched by the same definition) against the
// local fake provider, traced by the official instrumentation as genai-otel completes it. Each helper must give the
// caller exactly what it gives without tracing, and the call must get a complete chat span.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider, STRUCTURED_ANSWER } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '2000';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
const instrumentation = createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const openai7 = require('openai') as typeof import('openai');
const openai6 = require('openai6') as typeof import('openai');
const definition = (
  instrumentation as unknown as { getModuleDefinitions(): { patch(exports: unknown, version: string): unknown }[] }
).getModuleDefinitions()[0]!;
definition.patch(openai6, '6.49.0');
const zod7 = require('openai/helpers/zod') as typeof import('openai/helpers/zod');
const zod6 = require('openai6/helpers/zod') as typeof import('openai/helpers/zod');
const { z } = require('zod') as typeof import('zod');
const fake = await startFakeProvider();
after(() => fake.close());

const messages = [{ role: 'user' as const, content: 'Where is my order A-1?' }];
const Order = z.object({ order_id: z.string(), status: z.string() });
const orderSchema = {
  type: 'object',
  properties: { order_id: { type: 'string' }, status: { type: 'string' } },
  required: ['order_id', 'status'],
  additionalProperties: false,
};

const isUserAbort = (error: unknown): boolean => (error as Error).constructor.name === 'APIUserAbortError';

/** The spans that ended while `fn` ran. */
async function spansOf(fn: () => Promise<unknown>): Promise<ReadableSpan[]> {
  const before = sdk.spans().length;
  await fn();
  return sdk.spans().slice(before);
}

function assertCompleteChatSpan(
  span: ReadableSpan | undefined,
  usage: { input: number; output: number },
  responseId: string,
): void {
  assert.ok(span, 'a span ended');
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], usage.input);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], usage.output);
  assert.equal(span.attributes['gen_ai.response.id'], responseId);
  assert.equal(span.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.ok((span.attributes['genai_otel.cost.usd'] as number) > 0);
  assert.notEqual(span.status.code, 2);
}

for (const { major, OpenAI, helpers } of [
  { major: 7, OpenAI: openai7.OpenAI, helpers: zod7 },
  { major: 6, OpenAI: openai6.OpenAI, helpers: zod6 },
]) {
  describe(`openai ${major}`, () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });

    test('the official instrumentation patched this client', () => {
      assert.equal((OpenAI.Chat.Completions.prototype.create as { __wrapped?: boolean }).__wrapped, true);
    });

    describe('structured outputs (contrib issue #3586: "Body has already been read")', () => {
      test('chat.completions.parse() with zodResponseFormat', async () => {
        let parsed: unknown;
        const spans = await spansOf(async () => {
          const completion = await client.chat.completions.parse({
            model: 'gpt-4o-mini',
            messages,
            response_format: helpers.zodResponseFormat(Order, 'order'),
          });
          parsed = completion.choices[0]?.message.parsed;
        });
        assert.deepEqual(parsed, STRUCTURED_ANSWER);
        assert.equal(spans.length, 1);
        assertCompleteChatSpan(spans[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
        assert.deepEqual(spans[0]!.attributes['gen_ai.response.finish_reasons'], ['stop']);
      });

      test('chat.completions.parse() with a JSON schema response_format', async () => {
        let parsed: unknown;
        const spans = await spansOf(async () => {
          const completion = await client.chat.completions.parse({
            model: 'gpt-4o-mini',
            messages,
            response_format: { type: 'json_schema', json_schema: { name: 'order', strict: true, schema: orderSchema } },
          });
          parsed = completion.choices[0]?.message.parsed;
        });
        assert.deepEqual(parsed, STRUCTURED_ANSWER);
        assertCompleteChatSpan(spans[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
      });

      test('responses.parse() with zodTextFormat', async () => {
        let parsed: unknown;
        const spans = await spansOf(async () => {
          const response = await client.responses.parse({
            model: 'gpt-4o-mini',
            input: 'Where is my order A-1?',
            text: { format: helpers.zodTextFormat(Order, 'order') },
          });
          parsed = response.output_parsed;
        });
        assert.deepEqual(parsed, STRUCTURED_ANSWER);
        assert.equal(spans.length, 1);
        assertCompleteChatSpan(spans[0], { input: 90, output: 30 }, 'resp_fake123');
      });

      test('responses.parse() with a JSON schema text format', async () => {
        let parsed: unknown;
        const spans = await spansOf(async () => {
          const response = await client.responses.parse({
            model: 'gpt-4o-mini',
            input: 'Where is my order A-1?',
            text: { format: { type: 'json_schema', name: 'order', strict: true, schema: orderSchema } },
          });
          parsed = response.output_parsed;
        });
        assert.deepEqual(parsed, STRUCTURED_ANSWER);
        assertCompleteChatSpan(spans[0], { input: 90, output: 30 }, 'resp_fake123');
      });

      test('parse().withResponse(): the parsed value, the raw response and its request id, as without tracing', async () => {
        const { data, response, request_id } = await client.chat.completions
          .parse({ model: 'gpt-4o-mini', messages, response_format: helpers.zodResponseFormat(Order, 'order') })
          .withResponse();
        assert.deepEqual(data.choices[0]?.message.parsed, STRUCTURED_ANSWER);
        assert.equal(response.status, 200);
        assert.equal(request_id, 'req_fake');
        assert.equal((data as { _request_id?: string })._request_id, 'req_fake');
      });
    });

    describe('responses.stream(): the span ends with the stream, by the time the caller has its result', () => {
      test('read to the end (finalResponse): usage, response id and model, finish reason, time to first chunk', async () => {
        let text: string | undefined;
        const spans = await spansOf(async () => {
          const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Where is my order A-1?' });
          text = (await stream.finalResponse()).output_text;
        });
        assert.equal(text, 'The order has shipped.');
        assert.equal(spans.length, 1);
        const span = spans[0]!;
        assertCompleteChatSpan(span, { input: 90, output: 30 }, 'resp_fake123');
        assert.equal(span.attributes['gen_ai.usage.reasoning.output_tokens'], 10);
        assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
        assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
        assert.ok((span.attributes['genai_otel.stream.chunk_count'] as number) > 0);
        assert.equal(span.attributes['genai_otel.stream.end'], undefined);
      });

      test('read by iterating its events', async () => {
        const spans = await spansOf(async () => {
          const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'Where is my order A-1?' });
          for await (const event of stream) void event;
        });
        assertCompleteChatSpan(spans[0], { input: 90, output: 30 }, 'resp_fake123');
      });

      test('aborted by the caller: the span ends as cancelled', async () => {
        const spans = await spansOf(async () => {
          const stream = client.responses.stream(
            { model: 'gpt-4o-mini', input: 'x' },
            { headers: { 'x-fake-scenario': 'stall' } },
          );
          stream.on('event', () => stream.abort());
          await assert.rejects(stream.finalResponse(), isUserAbort);
        });
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.attributes['genai_otel.stream.end'], 'cancelled');
        assert.equal(spans[0]!.attributes['gen_ai.response.id'], 'resp_fake123');
      });

      test('failing midway: the span ends as an error', async () => {
        const spans = await spansOf(async () => {
          const stream = client.responses.stream(
            { model: 'gpt-4o-mini', input: 'x' },
            { headers: { 'x-fake-scenario': 'stream-error' } },
          );
          await assert.rejects(stream.finalResponse());
        });
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.status.code, 2);
        // openai 7 throws an APIError for the event; openai 6 hands it on as an event, recorded with its code.
        assert.equal(spans[0]!.attributes['error.type'], major === 7 ? 'APIError' : 'server_error');
      });
    });

    describe('chat.completions.stream(): the span ends with the stream, by the time the caller has its result', () => {
      const request = { model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } };

      test('finalChatCompletion(): usage, response id and model, finish reason, time to first chunk', async () => {
        let content: string | null | undefined;
        const spans = await spansOf(async () => {
          content = (await client.chat.completions.stream(request).finalChatCompletion()).choices[0]?.message.content;
        });
        assert.equal(content, 'The order has shipped.');
        assert.equal(spans.length, 1);
        const span = spans[0]!;
        assertCompleteChatSpan(span, { input: 120, output: 40 }, 'chatcmpl-fake123');
        assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
        assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) > 0);
      });

      test('done() and iteration to the end', async () => {
        const viaDone = await spansOf(() => client.chat.completions.stream(request).done());
        assertCompleteChatSpan(viaDone[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
        const viaIteration = await spansOf(async () => {
          for await (const chunk of client.chat.completions.stream(request)) void chunk;
        });
        assertCompleteChatSpan(viaIteration[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
      });

      test('with a Zod response format: the parsed result and the span', async () => {
        let parsed: unknown;
        const spans = await spansOf(async () => {
          const stream = client.chat.completions.stream({
            ...request,
            response_format: helpers.zodResponseFormat(Order, 'order'),
          });
          parsed = (await stream.finalChatCompletion()).choices[0]?.message.parsed;
        });
        assert.deepEqual(parsed, STRUCTURED_ANSWER);
        assertCompleteChatSpan(spans[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
      });

      test('aborted by the caller: the span ends as cancelled', async () => {
        const spans = await spansOf(async () => {
          const stream = client.chat.completions.stream(request, { headers: { 'x-fake-scenario': 'stall' } });
          stream.on('chunk', () => stream.abort());
          await assert.rejects(stream.finalChatCompletion(), isUserAbort);
        });
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.attributes['genai_otel.stream.end'], 'cancelled');
      });

      test('failing midway: the span ends as an error', async () => {
        const spans = await spansOf(async () => {
          await assert.rejects(
            client.chat.completions
              .stream(request, { headers: { 'x-fake-scenario': 'stream-error' } })
              .finalChatCompletion(),
          );
        });
        assert.equal(spans.length, 1);
        assert.equal(spans[0]!.status.code, 2);
        assert.equal(spans[0]!.attributes['error.type'], 'APIError');
      });
    });

    describe('runTools(): one invoke_agent span for the run, its model calls and an execute_tool span per tool call under it', () => {
      /** Two tools: a runnable function given the raw JSON arguments, and a Zod tool given the parsed ones. */
      function orderTools(seen: unknown[]) {
        return [
          {
            type: 'function' as const,
            function: {
              name: 'lookup_order',
              description: 'Finds an order',
              parameters: { type: 'object', properties: { order_id: { type: 'string' } } },
              function: async (args: string) => {
                seen.push(['lookup_order', args]);
                return { order_id: 'A-1', status: 'shipped' };
              },
            },
          },
          helpers.zodFunction({
            name: 'shipping_eta',
            parameters: z.object({ order_id: z.string(), carrier: z.string() }),
            function: (args: { order_id: string; carrier: string }) => {
              seen.push(['shipping_eta', args]);
              return `${args.carrier}: 2 days`;
            },
          }),
        ];
      }

      test('a 2-tool run: the tools get what they get untraced, the caller its final content, the spans one tree', async () => {
        const seen: unknown[] = [];
        let content: string | null = null;
        const spans = await spansOf(async () => {
          content = await client.chat.completions
            .runTools({ model: 'gpt-4o-mini', messages, tools: orderTools(seen) as never })
            .finalContent();
        });
        assert.equal(content, 'The order has shipped.');
        assert.deepEqual(seen, [
          ['lookup_order', '{"order_id":"A-1"}'],
          ['shipping_eta', { order_id: 'A-1', carrier: 'DHL' }],
        ]);
        const agent = spans.find((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
        assert.ok(agent, spans.map((span) => span.name).join(', '));
        assert.equal(agent.name, 'invoke_agent');
        assert.equal(agent.kind, 0);
        assert.equal(agent.attributes['gen_ai.provider.name'], 'openai');
        assert.equal(agent.attributes['gen_ai.request.model'], 'gpt-4o-mini');
        const chats = spans.filter((span) => span.name === 'chat gpt-4o-mini');
        const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
        assert.equal(chats.length, 2);
        assert.deepEqual(
          tools.map((span) => [
            span.name,
            span.attributes['gen_ai.tool.name'],
            span.attributes['gen_ai.tool.call.id'],
            span.attributes['gen_ai.tool.type'],
          ]),
          [
            ['execute_tool lookup_order', 'lookup_order', 'call_abc123', 'function'],
            ['execute_tool shipping_eta', 'shipping_eta', 'call_abc124', 'function'],
          ],
        );
        assert.equal(tools[0]!.attributes['gen_ai.tool.description'], 'Finds an order');
        for (const span of [...chats, ...tools]) {
          assert.equal(span.spanContext().traceId, agent.spanContext().traceId);
          assert.equal(
            span.parentSpanContext?.spanId,
            agent.spanContext().spanId,
            `${span.name} is a child of the run`,
          );
        }
        for (const span of tools) {
          assert.equal(
            span.attributes['gen_ai.tool.call.arguments'],
            undefined,
            'no arguments without content capture',
          );
          assert.equal(span.attributes['gen_ai.tool.call.result'], undefined, 'no result without content capture');
        }
        // The run's span ended before the caller had its content, and after its last model call.
        assert.equal(spans[spans.length - 1], agent);
      });

      test('a streamed run (stream: true): its streamed model calls and its tool call under one invoke_agent span', async () => {
        const seen: unknown[] = [];
        const spans = await spansOf(() =>
          client.chat.completions
            .runTools({ model: 'gpt-4o-mini', messages, stream: true, tools: orderTools(seen).slice(0, 1) as never })
            .done(),
        );
        assert.deepEqual(seen, [['lookup_order', '{"order_id":"A-1"}']]);
        const agent = spans.find((span) => span.name === 'invoke_agent');
        const children = spans.filter((span) => span.parentSpanContext?.spanId === agent?.spanContext().spanId);
        assert.deepEqual(
          children.map((span) => [span.name, span.attributes['gen_ai.tool.call.id']]),
          [
            ['chat gpt-4o-mini', undefined],
            ['execute_tool lookup_order', 'call_abc123'],
            ['chat gpt-4o-mini', undefined],
          ],
        );
      });

      test('with content capture on spans: arguments and results on the execute_tool spans', async () => {
        const { resetGenAISettingsForTests } = await import('../../../src/config/genai-settings.ts');
        process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
        resetGenAISettingsForTests();
        try {
          const spans = await spansOf(() =>
            client.chat.completions.runTools({ model: 'gpt-4o-mini', messages, tools: orderTools([]) as never }).done(),
          );
          const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
          assert.equal(tools[0]!.attributes['gen_ai.tool.call.arguments'], '{"order_id":"A-1"}');
          assert.deepEqual(JSON.parse(tools[0]!.attributes['gen_ai.tool.call.result'] as string), {
            order_id: 'A-1',
            status: 'shipped',
          });
          assert.deepEqual(JSON.parse(tools[1]!.attributes['gen_ai.tool.call.arguments'] as string), {
            order_id: 'A-1',
            carrier: 'DHL',
          });
          assert.equal(tools[1]!.attributes['gen_ai.tool.call.result'], 'DHL: 2 days');
        } finally {
          delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
          resetGenAISettingsForTests();
        }
      });

      test('a tool that throws: the caller gets its error, the tool and run spans are marked failed', async () => {
        const failure = new RangeError('no such order');
        const tools = [
          {
            type: 'function' as const,
            function: {
              name: 'lookup_order',
              parameters: { type: 'object', properties: {} },
              function: () => Promise.reject(failure),
            },
          },
        ];
        let caught: unknown;
        const spans = await spansOf(async () => {
          caught = await client.chat.completions
            .runTools({ model: 'gpt-4o-mini', messages, tools: tools as never })
            .done()
            .catch((error: unknown) => error);
        });
        // The SDK wraps the tool's error in an OpenAIError (with or without tracing); the tool's own error is its cause.
        assert.equal((caught as { cause?: unknown }).cause, failure);
        const tool = spans.find((span) => span.name === 'execute_tool lookup_order');
        const agent = spans.find((span) => span.name === 'invoke_agent');
        assert.equal(tool?.status.code, 2);
        assert.equal(tool?.attributes['error.type'], 'RangeError');
        assert.equal(agent?.status.code, 2);
      });
    });

    test('create().asResponse(): the caller reads the body itself; the span still gets usage', async () => {
      let body: unknown;
      const spans = await spansOf(async () => {
        const response = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).asResponse();
        body = await response.json();
        await new Promise((resolve) => setImmediate(resolve));
      });
      assert.equal((body as { id: string }).id, 'chatcmpl-fake123');
      assertCompleteChatSpan(spans[0], { input: 120, output: 40 }, 'chatcmpl-fake123');
    });
  });
}
