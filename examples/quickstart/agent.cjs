// A small support assistant, traced with genai-otel's helpers. It needs no API key and no network: the "LLM" is a
// local simulation with realistic latencies and token counts. Run it through the preload:
//   node --require genai-otel/register examples/quickstart/agent.cjs
const { withAgent, withLLMCall, withMemoryOperation, withRetrieval, withToolCall, withWorkflow } = require('genai-otel');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const tokensOf = (text) => Math.ceil(text.length / 4);

/** A simulated OpenAI chat completion: same response shape as the real API, so usage is read automatically. */
async function simulatedCompletion(model, messages, { toolCall } = {}) {
  const prompt = messages.map((message) => message.content).join('\n');
  await sleep(40 + Math.random() * 60);
  const content = toolCall ? null : `Here is what I found about "${messages.at(-1).content.slice(0, 40)}".`;
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    model: `${model}-2024-07-18`,
    choices: [{ index: 0, finish_reason: toolCall ? 'tool_calls' : 'stop', message: { role: 'assistant', content, tool_calls: toolCall ? [{ id: 'call_1', type: 'function', function: { name: toolCall, arguments: '{"orderId":"A-1042"}' } }] : undefined } }],
    usage: { prompt_tokens: 200 + tokensOf(prompt), completion_tokens: toolCall ? 18 : tokensOf(content ?? '') + 20 },
  };
}

/** A simulated streamed answer, as OpenAI chat-completion chunks with a final usage chunk. */
async function* simulatedStream(model, text) {
  for (const word of text.split(' ')) {
    await sleep(8);
    yield { object: 'chat.completion.chunk', id: 'chatcmpl-stream', model, choices: [{ index: 0, delta: { content: `${word} ` }, finish_reason: null }] };
  }
  yield { object: 'chat.completion.chunk', id: 'chatcmpl-stream', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
  yield { object: 'chat.completion.chunk', id: 'chatcmpl-stream', model, choices: [], usage: { prompt_tokens: 310, completion_tokens: tokensOf(text) } };
}

let lookupAttempts = 0;
async function lookupOrder(orderId) {
  lookupAttempts++;
  await sleep(20);
  // The order service times out on every third attempt: the agent retries.
  if (lookupAttempts % 3 === 1) throw Object.assign(new Error('order service timed out'), { name: 'TimeoutError' });
  return { orderId, status: 'shipped', carrier: 'DHL' };
}

async function answer(question) {
  return withAgent({ name: 'support-assistant', version: '1.0.0' }, async () => {
    const facts = await withMemoryOperation({ operation: 'search', storeId: 'customer-facts', query: question }, async () => {
      await sleep(5);
      return ['prefers email', 'premium plan'];
    });
    await withRetrieval({ dataSourceId: 'help-center', topK: 3, query: question }, async () => {
      await sleep(15);
      return [{ id: 'kb-12' }, { id: 'kb-40' }];
    });
    const messages = [{ role: 'system', content: `Known facts: ${facts.join(', ')}` }, { role: 'user', content: question }];
    await withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, serverAddress: 'api.openai.com' }, () =>
      simulatedCompletion('gpt-4o-mini', messages, { toolCall: 'lookup_order' }),
    );
    let order;
    for (let attempt = 1; order === undefined; attempt++) {
      try {
        order = await withToolCall({ name: 'lookup_order', callId: `call_${attempt}`, type: 'function' }, () => lookupOrder('A-1042'));
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    await withMemoryOperation({ operation: 'upsert', storeId: 'customer-facts', recordId: 'last-order' }, async () => sleep(3));
    const stream = await withLLMCall({ provider: 'openai', model: 'gpt-4o', stream: true, serverAddress: 'api.openai.com' }, async () =>
      simulatedStream('gpt-4o-2024-08-06', `Your order ${order.orderId} has shipped with ${order.carrier} and should arrive within two days.`),
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    return text.trim();
  });
}

async function main() {
  const questions = ['Where is my order A-1042?', 'Can I change the delivery address?', 'Do you ship to Norway?'];
  await withWorkflow({ name: 'support-session' }, async () => {
    for (const question of questions) {
      const reply = await answer(question);
      console.log(`user: ${question}\nassistant: ${reply}\n`);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
