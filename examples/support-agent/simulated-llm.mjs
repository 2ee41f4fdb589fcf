// A local stand-in for the OpenAI API, so the sample agent runs with no API key and no network. It speaks the
// wire format of POST /v1/chat/completions: JSON responses and SSE streams (chat.completion.chunk events, a final
// usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`), tool calls, JSON mode, errors in
// OpenAI's error shape. It behaves like a busy provider: latencies and token counts in the range real models show,
// prompt caching on long repeated prefixes, and now and then a 429 with `retry-after-ms` (the official client waits
// and retries by itself). Everything random comes from a seeded generator, so a run can be replayed.
//
//   node examples/support-agent/simulated-llm.mjs [--port 8787] [--seed 7] [--speed 1]
//   OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=sk-local node --require genai-otel/register examples/support-agent/agent.cjs
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const MODEL_VERSIONS = { 'gpt-4o-mini': 'gpt-4o-mini-2024-07-18', 'gpt-4o': 'gpt-4o-2024-08-06', 'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14' };
const CACHE_MIN_TOKENS = 1024; // OpenAI caches prompt prefixes from 1024 tokens on, in steps of 128.

/** A small seeded generator (mulberry32): the same seed gives the same run. */
function randomSource(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const tokensOf = (text) => Math.max(1, Math.ceil(String(text ?? '').length / 4));

/** Prompt tokens as OpenAI counts them, near enough: content, plus a few per message, plus the tool schemas. */
function promptTokens(body) {
  let total = 3;
  for (const message of body.messages ?? []) {
    total += 4 + tokensOf(typeof message.content === 'string' ? message.content : JSON.stringify(message.content ?? ''));
    if (message.tool_calls) total += tokensOf(JSON.stringify(message.tool_calls));
  }
  if (Array.isArray(body.tools)) total += tokensOf(JSON.stringify(body.tools));
  return total;
}

function lastUserIndex(messages) {
  for (let index = messages.length - 1; index >= 0; index--) if (messages[index].role === 'user') return index;
  return -1;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Which tools a support agent would call for this question (the simulated model's whole "reasoning"). */
function chooseToolCalls(question, tools, nextId) {
  const available = new Set(tools.map((tool) => tool.function?.name));
  const calls = [];
  const order = /\b([A-Z]-\d{3,})\b/.exec(question);
  if (order && available.has('lookup_order')) calls.push({ name: 'lookup_order', arguments: { order_id: order[1] } });
  if (/refund|return|address|ship|deliver|warranty|broken|damaged/i.test(question) && available.has('search_help_center')) {
    calls.push({ name: 'search_help_center', arguments: { query: question.replace(/[?!.]+$/, '') } });
  }
  if (/broken|damaged|complain|angry|terrible/i.test(question) && available.has('create_ticket')) {
    calls.push({ name: 'create_ticket', arguments: { summary: question.slice(0, 80), priority: 'high' } });
  }
  return calls.map((call) => ({ id: `call_${nextId()}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } }));
}

/** The final answer, written from the tool results that follow the user's last message. */
function composeAnswer(messages, pick) {
  const question = messages[lastUserIndex(messages)]?.content ?? '';
  const parts = [];
  if (/broken|damaged/i.test(question)) parts.push(pick(['I am sorry your order arrived damaged.', 'I am sorry about the broken item.']));
  for (const message of messages.slice(lastUserIndex(messages) + 1)) {
    if (message.role !== 'tool') continue;
    const result = parseJson(message.content) ?? {};
    if (result.order_id && result.status === 'delivered') parts.push(`Order ${result.order_id} was delivered by ${result.carrier} ${result.eta}.`);
    else if (result.order_id && result.status === 'shipped') parts.push(`Your order ${result.order_id} has shipped with ${result.carrier} and should arrive ${result.eta}.`);
    else if (result.order_id && result.status !== 'unknown') parts.push(`Your order ${result.order_id} is ${result.status}; ${result.carrier} should bring it ${result.eta}.`);
    else if (result.order_id) parts.push(`I could not find order ${result.order_id}; could you check the id?`);
    if (Array.isArray(result.articles) && result.articles.length > 0) parts.push(`${pick(['Our help center article', 'The article'])} "${result.articles[0].title}" says ${result.articles[0].snippet}`);
    if (result.ticket_id) parts.push(`I have opened ticket ${result.ticket_id}; a colleague will follow up within one business day.`);
    if (result.error) parts.push('Our order system is slow right now, so I could not check that yet.');
  }
  const facts = messages.find((message) => message.role === 'system' && /Known about this customer:/.test(message.content ?? ''));
  if (parts.length === 0) parts.push(`I looked into "${question.slice(0, 60)}" but found nothing specific; a colleague will get back to you.`);
  parts.push(facts && /prefers email/.test(facts.content) ? 'I will also send you a summary by email.' : pick(['Is there anything else I can help with?', 'Anything else I can do for you?']));
  return parts.join(' ');
}

function planFor(messages) {
  const question = messages[lastUserIndex(messages)]?.content ?? '';
  const steps = ['recall what we know about the customer'];
  if (/\b[A-Z]-\d{3,}\b/.test(question)) steps.push('look up the order');
  if (/refund|return|address|ship|deliver|warranty|broken|damaged/i.test(question)) steps.push('search the help center');
  if (/broken|damaged|complain/i.test(question)) steps.push('open a ticket');
  steps.push('answer briefly and kindly');
  const route = /broken|damaged|complain/i.test(question) ? 'escalate' : /\b[A-Z]-\d{3,}\b/.test(question) ? 'orders' : 'help_center';
  return JSON.stringify({ route, steps });
}

/**
 * Starts the simulated provider on 127.0.0.1. `speed` divides every latency (tests run it at 4 or more);
 * `rateLimitRate` is the share of requests answered 429 (never twice in a row, so the client's retries succeed).
 *
 * @example
 * const llm = await startSimulatedLLM({ seed: 7 });
 * process.env.OPENAI_BASE_URL = llm.baseURL;
 */
export async function startSimulatedLLM({ port = 0, seed = 7, speed = 1, rateLimitRate = 0.12 } = {}) {
  const random = randomSource(seed);
  // A stream of its own, one draw per request: which requests get a 429 does not depend on timing.
  const rateLimitDraw = randomSource(seed * 31 + 1);
  const between = (low, high) => low + (high - low) * random();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms / speed));
  const seenPrefixes = new Set();
  const stats = { requests: 0, rateLimited: 0, streamed: 0 };
  let sequence = 0;
  let lastWasRateLimited = false;
  const nextId = () => (++sequence).toString(36).padStart(6, '0') + Math.floor(random() * 1e9).toString(36);

  function usageFor(body, completionTokens) {
    const prompt = promptTokens(body);
    const system = (body.messages ?? []).find((message) => message.role === 'system');
    const prefixTokens = system ? tokensOf(system.content) : 0;
    const prefixKey = `${body.model}:${system?.content ?? ''}`;
    const cached = prefixTokens >= CACHE_MIN_TOKENS && seenPrefixes.has(prefixKey) ? Math.floor(prefixTokens / 128) * 128 : 0;
    if (prefixTokens >= CACHE_MIN_TOKENS) seenPrefixes.add(prefixKey);
    return {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
  }

  function headers(extra = {}) {
    return { 'x-request-id': `req_${nextId()}`, 'openai-processing-ms': String(Math.round(between(80, 400))), 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': String(499 - (stats.requests % 500)), ...extra };
  }

  function sendJson(response, status, body, extra = {}) {
    response.writeHead(status, { 'content-type': 'application/json', ...headers(extra) });
    response.end(JSON.stringify(body));
  }

  function sendError(response, status, message, type, code, extra = {}) {
    sendJson(response, status, { error: { message, type, param: null, code } }, extra);
  }

  /** What the model "says": tool calls, a JSON plan, or an answer. */
  function reply(body) {
    const messages = body.messages ?? [];
    const afterUser = messages.slice(lastUserIndex(messages) + 1);
    const tools = Array.isArray(body.tools) ? body.tools : [];
    if (body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema') return { content: planFor(messages) };
    if (tools.length > 0 && !afterUser.some((message) => message.role === 'tool')) {
      const toolCalls = chooseToolCalls(messages[lastUserIndex(messages)]?.content ?? '', tools, nextId);
      if (toolCalls.length > 0) return { toolCalls };
    }
    if (tools.length > 0) return { content: 'I have what I need to answer.' };
    return { content: composeAnswer(messages, (choices) => choices[Math.floor(random() * choices.length)]) };
  }

  async function completion(response, body) {
    const model = MODEL_VERSIONS[body.model] ?? body.model;
    const slow = /gpt-4o$|gpt-4\.1$|o\d/.test(String(body.model)) ? 1.3 : 1;
    const answer = reply(body);
    const id = `chatcmpl-${nextId()}`;
    const created = Math.floor(Date.now() / 1000);
    const outputTokens = answer.toolCalls ? 12 + tokensOf(JSON.stringify(answer.toolCalls)) : tokensOf(answer.content);
    const usage = usageFor(body, outputTokens);

    if (body.stream !== true) {
      await sleep((between(120, 300) + outputTokens * between(2.5, 5)) * slow);
      const message = answer.toolCalls
        ? { role: 'assistant', content: null, tool_calls: answer.toolCalls, refusal: null }
        : { role: 'assistant', content: answer.content, refusal: null };
      sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: 'fp_simulated',
        choices: [{ index: 0, message, logprobs: null, finish_reason: answer.toolCalls ? 'tool_calls' : 'stop' }],
        usage,
        service_tier: 'default',
      });
      return;
    }

    stats.streamed++;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers() });
    const chunk = (delta, finishReason = null, extra = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_simulated', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra })}\n\n`;
    await sleep(between(120, 320) * slow); // time to first token
    response.write(chunk({ role: 'assistant', content: '', refusal: null }));
    const words = (answer.content ?? '').split(/(?<= )/);
    for (let index = 0; index < words.length; ) {
      const take = 1 + Math.floor(random() * 3);
      response.write(chunk({ content: words.slice(index, index + take).join('') }));
      index += take;
      await sleep(between(12, 26) * slow);
    }
    response.write(chunk({}, 'stop'));
    if (body.stream_options?.include_usage === true) {
      response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_simulated', choices: [], usage })}\n\n`);
    }
    response.end('data: [DONE]\n\n');
  }

  async function handle(request, response) {
    if (request.method === 'GET' && request.url === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: Object.keys(MODEL_VERSIONS).map((id) => ({ id, object: 'model', owned_by: 'simulated' })) });
      return;
    }
    if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/chat/completions') {
      sendError(response, 404, `Unknown request URL: ${request.method} ${request.url}. This simulation serves POST /v1/chat/completions.`, 'invalid_request_error', 'unknown_url');
      return;
    }
    const chunks = [];
    for await (const part of request) chunks.push(part);
    const body = parseJson(Buffer.concat(chunks).toString('utf8'));
    stats.requests++;
    if (body === undefined || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      sendError(response, 400, 'We could not parse the JSON body of your request, or it lacks model and messages.', 'invalid_request_error', null);
      return;
    }
    if (rateLimitDraw() < rateLimitRate && !lastWasRateLimited) {
      lastWasRateLimited = true;
      stats.rateLimited++;
      await sleep(between(20, 60));
      const waitMs = Math.round(between(150, 400) / speed);
      sendError(response, 429, `Rate limit reached for ${body.model} on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${waitMs}ms.`, 'requests', 'rate_limit_exceeded', {
        'retry-after-ms': String(waitMs),
        'x-ratelimit-remaining-requests': '0',
      });
      return;
    }
    lastWasRateLimited = false;
    await completion(response, body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) sendError(response, 500, `The simulated server had an error: ${error.message}`, 'server_error', null);
      else response.destroy(error);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  return {
    baseURL: `http://127.0.0.1:${address.port}/v1`,
    port: address.port,
    stats,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8787' }, seed: { type: 'string', default: '7' }, speed: { type: 'string', default: '1' } } });
  const llm = await startSimulatedLLM({ port: Number(values.port), seed: Number(values.seed), speed: Number(values.speed) });
  console.log(`Simulated OpenAI API at ${llm.baseURL} (Ctrl-C to stop)`);
}
