// A LangChain chat model on Bedrock (ls_provider amazon_bedrock, as @langchain/aws's ChatBedrockConverse reports)
// whose calls go through the traced Bedrock Runtime client: one chat span per call, the client's, not a second one
// from the LangChain handler counting the same usage and cost again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { createBedrockInstrumentation } from '../../../src/instrumentations/bedrock.ts';
import { GenAICallbackHandler } from '../../../src/instrumentations/langchain.ts';
import { setState, startedState } from '../../../src/core/state.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';

const sdk = installMemorySdk();
createBedrockInstrumentation();
const require = createRequire(import.meta.url);
const { BedrockRuntimeClient, ConverseCommand } =
  require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
const fake = await startFakeProviderApis();
after(() => fake.close());

const client = new BedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: fake.bedrockURL,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const modelId = 'anthropic.claude-sonnet-4-20250514-v1:0';

/** The shape of ChatBedrockConverse: its LangSmith params, and a Converse call per generation. */
class BedrockConverseChatModel extends BaseChatModel {
  _llmType() {
    return 'amazon_bedrock_converse';
  }
  override getLsParams() {
    return { ls_provider: 'amazon_bedrock', ls_model_name: modelId, ls_model_type: 'chat' as const };
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const output = await client.send(
      new ConverseCommand({
        modelId,
        messages: messages.map((message) => ({ role: 'user', content: [{ text: String(message.content) }] })),
      }),
    );
    const text = output.output?.message?.content?.[0]?.text ?? '';
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
}

function withInstrumentations(names: string[]) {
  const state = startedState(resolveConfig({}).config, false);
  state.status.instrumentations = names;
  setState(state);
}

test('bedrock traced: one chat span (the client’s), none from the handler', async () => {
  withInstrumentations(['bedrock', 'langchain']);
  const before = sdk.spans().length;
  await new BedrockConverseChatModel({}).invoke([new HumanMessage('Where is A-1?')], {
    callbacks: [new GenAICallbackHandler()],
  });
  const chats = sdk
    .spans()
    .slice(before)
    .filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  assert.equal(chats.length, 1);
  assert.equal(chats[0]!.attributes['gen_ai.provider.name'], 'aws.bedrock');
  assert.equal(chats[0]!.instrumentationScope.name, 'genai-otel');
});

test('bedrock turned off: the handler makes the chat span itself', async () => {
  withInstrumentations(['langchain']);
  const before = sdk.spans().length;
  await new BedrockConverseChatModel({}).invoke([new HumanMessage('Where is A-1?')], {
    callbacks: [new GenAICallbackHandler()],
  });
  const chats = sdk
    .spans()
    .slice(before)
    .filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  assert.ok(chats.length >= 1);
});
