// A customer-support assistant, as a real app would write one with the official `openai` client, traced by
// genai-otel. Each turn: recall facts about the customer (memory), plan (a JSON-mode LLM call), let the model call
// tools (an order service that sometimes times out and is retried, a help-center search, a ticket desk), compose the
// answer as a stream, remember what happened, and record the customer's thumbs up or down. Three customers talk to it
// at once, each in a session of their own; one of them asks for a regenerated answer.
//
// The LLM calls are traced by the automatic OpenAI instrumentation; the agent, tools and memory by the helpers.
//
//   npm run demo                                   (starts a simulated OpenAI API and runs this file)
//   OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=sk-local \
//     node --require genai-otel/register examples/support-agent/agent.cjs
//
// With OPENAI_BASE_URL=https://api.openai.com/v1 and a real OPENAI_API_KEY it talks to OpenAI itself
// (DEMO_MODEL_SMALL / DEMO_MODEL_LARGE pick the models, gpt-4o-mini and gpt-4o by default).
const { default: OpenAI } = require('openai');
const { describeAgent, recordDecision, recordFeedback, withAgent, withContext, withMemoryOperation, withRevision, withToolCall } = require('genai-otel');
const { CustomerMemory, TOOL_DEFINITIONS, TOOLS, sleep } = require('./tools.cjs');
const { SUPPORT_POLICY } = require('./policy.cjs');

const SMALL_MODEL = process.env.DEMO_MODEL_SMALL || 'gpt-4o-mini';
const LARGE_MODEL = process.env.DEMO_MODEL_LARGE || 'gpt-4o';
const MAX_TOOL_ROUNDS = 3;
const TOOL_ATTEMPTS = 3;

const openai = new OpenAI({ maxRetries: 3, timeout: 60_000 });
const memory = new CustomerMemory({ 'user-alice': ['prefers email', 'premium plan'], 'user-bob': ['first order'] });

/** Runs one tool call, retrying a tool that times out; every attempt is its own `execute_tool` span. */
async function callTool(toolCall) {
  const name = toolCall.function.name;
  const tool = TOOLS[name];
  let args;
  try {
    args = JSON.parse(toolCall.function.arguments || '{}');
  } catch {
    return { error: `arguments are not JSON: ${toolCall.function.arguments}` };
  }
  if (tool === undefined) return { error: `no tool named ${name}` };
  for (let attempt = 1; ; attempt++) {
    try {
      return await withToolCall({ name, callId: toolCall.id, type: 'function', arguments: args }, () => tool(args));
    } catch (error) {
      if (attempt === TOOL_ATTEMPTS || error.name !== 'TimeoutError') return { error: error.message };
      await sleep(100 * attempt); // back off, then try again
    }
  }
}

/** One assistant turn: memory, plan, tools, streamed answer. Returns the text and the turn's span reference. */
function answer(customer, question) {
  return withAgent({ name: 'support-assistant', version: '2.3.0', provider: 'openai', model: LARGE_MODEL }, async (span) => {
    const facts = await withMemoryOperation({ operation: 'search', storeId: 'customer-facts', query: customer.userId }, () => memory.search(customer.userId));
    const context = [
      { role: 'system', content: SUPPORT_POLICY },
      { role: 'system', content: `Known about this customer: ${facts.length > 0 ? facts.join('; ') : 'nothing yet'}.` },
      ...customer.history,
      { role: 'user', content: question },
    ];

    const planning = await openai.chat.completions.create({
      model: SMALL_MODEL,
      temperature: 0,
      response_format: { type: 'json_object' },
      messages: [...context, { role: 'system', content: 'Plan your next steps. Reply with JSON: {"route": "orders" | "help_center" | "escalate", "steps": [string]}.' }],
    });
    const plan = safeJson(planning.choices[0].message.content) ?? { route: 'help_center', steps: [] };
    recordDecision({ name: 'router', choices: ['orders', 'help_center', 'escalate'], selected: String(plan.route), reason: (plan.steps ?? []).join(' → ') });

    const messages = [...context];
    for (let round = 0; round < MAX_TOOL_ROUNDS; round++) {
      const step = await openai.chat.completions.create({ model: SMALL_MODEL, temperature: 0.2, messages, tools: TOOL_DEFINITIONS, tool_choice: 'auto' });
      const reply = step.choices[0].message;
      if (!reply.tool_calls || reply.tool_calls.length === 0) break;
      messages.push(reply);
      for (const toolCall of reply.tool_calls) {
        messages.push({ role: 'tool', tool_call_id: toolCall.id, content: JSON.stringify(await callTool(toolCall)) });
      }
    }

    const stream = await openai.chat.completions.create({
      model: LARGE_MODEL,
      temperature: 0.4,
      max_tokens: 300,
      stream: true,
      stream_options: { include_usage: true },
      messages: [...messages, { role: 'system', content: 'Now write the answer to the customer, in two or three sentences.' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';

    await withMemoryOperation({ operation: 'upsert', storeId: 'customer-facts', recordId: customer.userId }, () => memory.upsert(customer.userId, `asked about ${plan.route}`));
    const { traceId, spanId } = span.spanContext();
    return { text: text.trim(), ref: { traceId, spanId, model: LARGE_MODEL } };
  });
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A customer's visit: a session of a few questions, each answered, read, and rated (or regenerated). */
async function visit(customer) {
  await withContext({ sessionId: customer.sessionId, userId: customer.userId }, async () => {
    for (const turn of customer.turns) {
      let result = await answer(customer, turn.question);
      const lines = [`[${customer.sessionId}] ${customer.name}: ${turn.question}`, `[${customer.sessionId}] assistant: ${result.text}`];
      if (turn.regenerate) {
        // The customer disliked the answer and pressed "regenerate": a revision linked to the first attempt.
        recordFeedback(result.ref, { disliked: true, comment: 'too long' });
        lines.push(`[${customer.sessionId}]   disliked, regenerated · trace ${result.ref.traceId}`);
        const first = result.ref;
        result = await withRevision({ of: first, type: 'reran' }, () => answer(customer, turn.question));
        lines.push(`[${customer.sessionId}] assistant (again): ${result.text}`);
      }
      if (turn.feedback !== undefined) recordFeedback(result.ref, turn.feedback === 'like' ? { liked: true } : { disliked: true });
      lines.push(`[${customer.sessionId}]   ${turn.feedback === undefined ? 'no feedback' : `${turn.feedback}d`} · trace ${result.ref.traceId}`);
      console.log(`${lines.join('\n')}\n`);
      customer.history.push({ role: 'user', content: turn.question }, { role: 'assistant', content: result.text });
      await sleep(turn.readingMs ?? 250); // the customer reads, then types the next question
    }
  });
}

const CUSTOMERS = [
  {
    name: 'Alice', userId: 'user-alice', sessionId: 'session-alice-1',
    turns: [
      { question: 'Where is my order A-1042?', feedback: 'like' },
      { question: 'Can I still change the delivery address for it?', feedback: 'like' },
    ],
  },
  {
    name: 'Bob', userId: 'user-bob', sessionId: 'session-bob-1',
    turns: [
      { question: 'My blender from order B-2217 arrived broken. I want a refund.', regenerate: true, feedback: 'like' },
      { question: 'How long does the refund take?', feedback: undefined },
    ],
  },
  {
    name: 'Carol', userId: 'user-carol', sessionId: 'session-carol-1',
    turns: [
      { question: 'Do you ship to Norway?', feedback: 'like' },
      { question: 'Then where is order C-3090?', feedback: 'dislike' },
    ],
  },
];

async function main() {
  describeAgent({ name: 'support-assistant', version: '2.3.0', provider: 'openai', model: LARGE_MODEL, tools: TOOL_DEFINITIONS.map((tool) => tool.function.name), systemInstructions: SUPPORT_POLICY });
  // Customers arrive a moment apart and are served concurrently, as a web server would serve them.
  await Promise.all(CUSTOMERS.map((customer, index) => sleep(index * 150).then(() => visit({ ...customer, history: [] }))));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
