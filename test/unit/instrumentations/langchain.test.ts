// GenAICallbackHandler with the real @langchain/core: a chain with a retriever, a chat model (which calls the fake
// OpenAI server over HTTP and reports usage as LangChain's OpenAI integration does) and tools.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { BaseRetriever } from '@langchain/core/retrievers';
import { Document } from '@langchain/core/documents';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import type { ChatResult } from '@langchain/core/outputs';
import { z } from 'zod';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import * as callbacksManager from '@langchain/core/callbacks/manager';
import { CallbackManager } from '@langchain/core/callbacks/manager';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { GenAICallbackHandler } from '../../../src/instrumentations/langchain.ts';
import { injectHandler } from '../../../src/instrumentations/langchain-auto.ts';

const messages: string[] = [];
diag.setLogger(
  { error: (m) => messages.push(m), warn: (m) => messages.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

const sdk = installMemorySdk();
const fake = await startFakeProvider();
after(() => fake.close());

/** A chat model that talks the OpenAI wire format to the fake provider and reports usage like @langchain/openai. */
class FakeProviderChatModel extends BaseChatModel {
  _llmType() {
    return 'fake-provider';
  }
  override getLsParams() {
    return { ls_provider: 'openai', ls_model_name: 'gpt-4o-mini', ls_model_type: 'chat' as const, ls_temperature: 0.2 };
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const response = await fetch(`${fake.openaiBaseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: messages.map((message) => ({ role: 'user', content: message.content })),
      }),
    });
    const body = (await response.json()) as {
      id: string;
      model: string;
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } };
    };
    const message = new AIMessage({
      id: body.id,
      content: body.choices[0]!.message.content,
      usage_metadata: {
        input_tokens: body.usage.prompt_tokens,
        output_tokens: body.usage.completion_tokens,
        total_tokens: body.usage.prompt_tokens + body.usage.completion_tokens,
        input_token_details: { cache_read: body.usage.prompt_tokens_details.cached_tokens },
      },
      response_metadata: { model_name: body.model, finish_reason: body.choices[0]!.finish_reason },
    });
    return { generations: [{ text: String(message.content), message }] };
  }
}

class KnowledgeBase extends BaseRetriever {
  override lc_namespace = ['tests', 'retrievers'];
  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    return [new Document({ pageContent: `Orders ship in two days (${query.length})` })];
  }
}

const lookupOrder = tool(async ({ orderId }: { orderId: string }) => `order ${orderId} shipped`, {
  name: 'lookup_order',
  description: 'Finds an order by id',
  schema: z.object({ orderId: z.string() }),
});
const failingTool = tool(
  async () => {
    throw new Error('inventory service down');
  },
  { name: 'check_stock', description: 'Checks stock', schema: z.object({}) },
);

test('a chain becomes invoke_workflow, with retrieval, chat (usage, cost) and execute_tool spans nested under it', async () => {
  const handler = new GenAICallbackHandler({ llmRuns: 'all' });
  const model = new FakeProviderChatModel({});
  const retriever = new KnowledgeBase();
  const flow = RunnableLambda.from(async (question: string, config) => {
    const docs = await retriever.invoke(question, config);
    const reply = await model.invoke([new HumanMessage(`${question}\n${docs[0]?.pageContent}`)], config);
    const order = await lookupOrder.invoke({ orderId: 'A-1' }, config);
    return `${String(reply.content)} ${order}`;
  }).withConfig({ runName: 'support-flow' });
  const answer = await flow.invoke('Where is my order?', { callbacks: [handler] });
  assert.equal(answer, 'The order has shipped. order A-1 shipped');
  await new Promise((resolve) => setTimeout(resolve, 20));

  const workflow = sdk.span('invoke_workflow support-flow');
  const retrieval = sdk.span('retrieval KnowledgeBase');
  const chat = sdk.span('chat gpt-4o-mini');
  const toolSpan = sdk.span('execute_tool lookup_order');
  for (const child of [retrieval, chat, toolSpan]) {
    assert.equal(
      child.parentSpanContext?.spanId,
      workflow.spanContext().spanId,
      `${child.name} nests under the workflow`,
    );
    assert.equal(child.spanContext().traceId, workflow.spanContext().traceId);
  }
  assert.equal(chat.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(chat.attributes['gen_ai.request.temperature'], 0.2);
  assert.equal(chat.attributes['gen_ai.usage.input_tokens'], 120);
  assert.equal(chat.attributes['gen_ai.usage.cache_read.input_tokens'], 20);
  assert.equal(chat.attributes['gen_ai.response.model'], 'gpt-4o-mini-2024-07-18');
  assert.deepEqual(chat.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.ok((chat.attributes['genai_otel.cost.usd'] as number) > 0);
  assert.equal(toolSpan.attributes['gen_ai.tool.name'], 'lookup_order');
  const toolDurations = sdk.points((await sdk.collect()).get('gen_ai.execute_tool.duration'));
  assert.ok(toolDurations.some((point) => point.attributes['gen_ai.tool.name'] === 'lookup_order'));
});

test('a failing tool: execute_tool span ERROR with error.type; the error still reaches the caller', async () => {
  const handler = new GenAICallbackHandler();
  await assert.rejects(failingTool.invoke({}, { callbacks: [handler] }), /inventory service down/);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const span = sdk.span('execute_tool check_stock');
  assert.equal(span.status.code, 2);
  assert.equal(span.attributes['error.type'], '_OTHER');
});

test('a streamed chat model run: time to first chunk from the token callbacks; no usage means usage.reported=false', async () => {
  await sdk.reset();
  const handler = new GenAICallbackHandler();
  const model = new FakeListChatModel({ responses: ['Shipped yesterday'] });
  let text = '';
  for await (const chunk of await model.stream('status?', { callbacks: [handler] })) text += String(chunk.content);
  assert.equal(text, 'Shipped yesterday');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const span = sdk.spans().find((candidate) => candidate.attributes['gen_ai.operation.name'] === 'chat');
  assert.ok(span, 'a chat span');
  assert.ok((span.attributes['gen_ai.response.time_to_first_chunk'] as number) >= 0);
  assert.equal(span.attributes['genai_otel.usage.reported'], false);
});

test('the handler needs no import of @langchain/core and never throws into LangChain', () => {
  const handler = new GenAICallbackHandler();
  assert.equal(handler.copy(), handler);
  assert.doesNotThrow(() => handler.handleLLMEnd(null, 'unknown-run'));
  assert.doesNotThrow(() => handler.handleToolError(new Error('x'), 'unknown-run'));
});

test('a handler method that throws: LangChain gets nothing thrown, the fault is logged once', () => {
  const handler = new GenAICallbackHandler();
  const hostile = {
    get langgraph_node(): string {
      throw new Error('metadata fault');
    },
  };
  const before = messages.length;
  for (const runId of ['hostile-1', 'hostile-2'])
    assert.doesNotThrow(() => handler.handleChainStart({}, {}, runId, 'some-parent', [], hostile));
  assert.equal(messages.length - before, 1);
  assert.match(messages.at(-1)!, /handleChainStart failed.*metadata fault/);
});

// Last: the injection patches @langchain/core's CallbackManager for the rest of the process.
test('injected: every configured callback manager has one genai-otel handler, none added next to one passed by hand', () => {
  injectHandler(callbacksManager);
  injectHandler(callbacksManager); // loaded twice (CommonJS and ES module hooks): patched once
  const names = (manager: CallbackManager | undefined) => (manager?.handlers ?? []).map((handler) => handler.name);
  assert.deepEqual(names(CallbackManager.configure()), ['GenAICallbackHandler']);
  const byHand = new GenAICallbackHandler();
  const configured = CallbackManager.configure([byHand]);
  assert.deepEqual(names(configured), ['GenAICallbackHandler']);
  assert.equal(configured!.handlers[0], byHand);
});
