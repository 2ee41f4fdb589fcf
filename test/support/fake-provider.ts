// A local HTTP server that speaks the OpenAI and Anthropic wire formats, so the real client libraries can be tested
// without a network. Response bodies and SSE event sequences follow the providers' public API references (OpenAI:
// chat completions, chat completion chunks, Responses streaming events, embeddings; Anthropic: Messages and its
// streaming events, with tool use), with the same field names and event order.
//
// A request picks a fault with the header `x-fake-scenario`:
//   rate-limit-once:<key>  the first request with this key gets 429 + Retry-After: 0, later ones succeed
//   server-error           500 every time
//   hang                   headers never come (the client's timeout fires)
//   stall                  a stream sends its first event, then nothing more, keeping the connection open
//   no-usage               an OpenAI chat stream without the final usage chunk, even when asked for it
//   stream-error           an OpenAI chat stream that reports an error after its first chunk; a Responses stream
//                          that sends an `error` event after its first event
//   tool-loop              a Responses request with function tools gets a call to the first declared tool its input
//                          has not called yet (arguments filled from the tool's parameters), one call per response;
//                          once every tool was called, the answer in text (an agent loop: 2 tools, 3 model calls)
//
// OpenAI requests asking for a JSON schema (chat `response_format`, Responses `text.format`) get STRUCTURED_ANSWER as
// their JSON text. A chat request with tools gets one call per declared tool, unless its last message is a tool
// result: then the model answers in text, as a tool-calling loop (`runTools()`) expects.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeProviderRequest {
  path: string;
  scenario: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeProvider {
  /** Base URL for OpenAI clients (`…/v1`). */
  openaiBaseURL: string;
  /** Base URL for Anthropic clients (the SDK appends `/v1/messages`). */
  anthropicBaseURL: string;
  port: number;
  requests(): FakeProviderRequest[];
  close(): Promise<void>;
}

const CREATED = 1_735_689_600;
const TEXT = ['The', ' order', ' has', ' shipped', '.'];
/** The object a structured-output request gets, as JSON text. */
export const STRUCTURED_ANSWER = { order_id: 'A-1', status: 'shipped' };

function wantsJsonSchema(format: unknown): boolean {
  return (format as { type?: unknown } | undefined)?.type === 'json_schema';
}

function lastMessageIsToolResult(body: Record<string, unknown>): boolean {
  const messages = body.messages;
  return Array.isArray(messages) && (messages[messages.length - 1] as { role?: unknown } | undefined)?.role === 'tool';
}

/** One call per declared function tool: call_abc123 for the first (lookup_order with A-1), call_abc124… for the others. */
function toolCallsFor(body: Record<string, unknown>): unknown[] {
  const tools = body.tools as { function?: { name?: string } }[];
  return tools.map((tool, index) => {
    const name = tool.function?.name ?? 'lookup_order';
    return {
      id: `call_abc${123 + index}`,
      type: 'function',
      function: { name, arguments: index === 0 ? '{"order_id":"A-1"}' : '{"order_id":"A-1","carrier":"DHL"}' },
    };
  });
}

function sse(res: ServerResponse, events: { event?: string; data: unknown }[], stallAfterFirst = false): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_fake' });
  const [first, ...rest] = events;
  const write = (item: { event?: string; data: unknown }) =>
    res.write(
      `${item.event === undefined ? '' : `event: ${item.event}\n`}data: ${typeof item.data === 'string' ? item.data : JSON.stringify(item.data)}\n\n`,
    );
  if (first !== undefined) write(first);
  if (stallAfterFirst) return; // the connection stays open, as a provider that stopped sending would leave it
  for (const item of rest) write(item);
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_fake', ...headers });
  res.end(JSON.stringify(body));
}

function wantsTools(body: Record<string, unknown>): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

// ---- OpenAI ----

function openaiChat(res: ServerResponse, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = `${String(body.model)}-2024-07-18`;
  const id = 'chatcmpl-fake123';
  const tools = wantsTools(body) && !lastMessageIsToolResult(body);
  const text = wantsJsonSchema(body.response_format) ? JSON.stringify(STRUCTURED_ANSWER) : TEXT.join('');
  if (body.stream !== true) {
    const message = tools
      ? { role: 'assistant', content: null, tool_calls: toolCallsFor(body), refusal: null }
      : { role: 'assistant', content: text, refusal: null };
    json(res, 200, {
      id,
      object: 'chat.completion',
      created: CREATED,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, message, logprobs: null, finish_reason: tools ? 'tool_calls' : 'stop' }],
      usage: {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 20, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
    });
    return;
  }
  const chunk = (delta: unknown, finishReason: string | null, extra: Record<string, unknown> = {}) => ({
    id,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  });
  const events: { data: unknown }[] = [{ data: chunk({ role: 'assistant', content: '', refusal: null }, null) }];
  if (tools) {
    events.push({
      data: chunk(
        {
          tool_calls: [
            { index: 0, id: 'call_abc123', type: 'function', function: { name: 'lookup_order', arguments: '' } },
          ],
        },
        null,
      ),
    });
    events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: '{"order_id":' } }] }, null) });
    events.push({ data: chunk({ tool_calls: [{ index: 0, function: { arguments: '"A-1"}' } }] }, null) });
  } else {
    for (const piece of wantsJsonSchema(body.response_format) ? [text] : TEXT)
      events.push({ data: chunk({ content: piece }, null) });
  }
  if (scenario === 'stream-error') {
    events.splice(2, events.length, {
      data: {
        error: {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          param: null,
          code: null,
        },
      },
    });
  } else {
    events.push({ data: chunk({}, tools ? 'tool_calls' : 'stop') });
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (includeUsage && scenario !== 'no-usage') {
      events.push({
        data: {
          id,
          object: 'chat.completion.chunk',
          created: CREATED,
          model,
          system_fingerprint: 'fp_fake',
          choices: [],
          usage: {
            prompt_tokens: 120,
            completion_tokens: 40,
            total_tokens: 160,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0 },
          },
        },
      });
    }
    events.push({ data: '[DONE]' });
  }
  sse(res, events, scenario === 'stall');
}

const TOOL_LOOP_VALUES: Record<string, string> = { order_id: 'A-1', carrier: 'DHL' };

/** The next function call of a `tool-loop` Responses request, or undefined when every declared tool was called. */
function nextResponsesToolCall(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const tools = Array.isArray(body.tools)
    ? (body.tools as { type?: unknown; name?: unknown; parameters?: { properties?: Record<string, unknown> } }[])
    : [];
  const input = Array.isArray(body.input) ? (body.input as { type?: unknown; name?: unknown }[]) : [];
  const called = new Set(input.filter((item) => item?.type === 'function_call').map((item) => item.name));
  const index = tools.findIndex(
    (tool) => tool?.type === 'function' && typeof tool.name === 'string' && !called.has(tool.name),
  );
  if (index === -1) return undefined;
  const tool = tools[index]!;
  const args = Object.fromEntries(
    Object.keys(tool.parameters?.properties ?? {}).map((key) => [key, TOOL_LOOP_VALUES[key] ?? 'Where is order A-1?']),
  );
  return {
    type: 'function_call',
    id: `fc_fake${index + 1}`,
    call_id: `call_abc${123 + index}`,
    name: tool.name,
    arguments: JSON.stringify(args),
    status: 'completed',
  };
}

function openaiResponse(res: ServerResponse, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = `${String(body.model)}-2024-07-18`;
  const base = {
    id: 'resp_fake123',
    object: 'response',
    created_at: CREATED,
    model,
    instructions: body.instructions ?? null,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    temperature: 1,
    top_p: 1,
    text: { format: { type: 'text' } },
    truncation: 'disabled',
    metadata: {},
  };
  const structured = wantsJsonSchema((body.text as { format?: unknown } | undefined)?.format);
  const pieces = structured ? [JSON.stringify(STRUCTURED_ANSWER)] : TEXT;
  const message = {
    type: 'message',
    id: 'msg_fake1',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: pieces.join(''), annotations: [] }],
  };
  const usage = {
    input_tokens: 90,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 30,
    output_tokens_details: { reasoning_tokens: 10 },
    total_tokens: 120,
  };
  const toolCall = scenario === 'tool-loop' ? nextResponsesToolCall(body) : undefined;
  const completed = {
    ...base,
    status: 'completed',
    output: [toolCall ?? message],
    usage,
    incomplete_details: null,
    error: null,
  };
  if (body.stream !== true) {
    json(res, 200, completed);
    return;
  }
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>) => ({
    event: type,
    data: { type, sequence_number: sequence++, ...fields },
  });
  const inProgress = { ...base, status: 'in_progress', output: [], usage: null, incomplete_details: null, error: null };
  if (toolCall !== undefined) {
    const itemId = toolCall.id;
    sse(res, [
      event('response.created', { response: inProgress }),
      event('response.in_progress', { response: inProgress }),
      event('response.output_item.added', {
        output_index: 0,
        item: { ...toolCall, arguments: '', status: 'in_progress' },
      }),
      event('response.function_call_arguments.delta', { item_id: itemId, output_index: 0, delta: toolCall.arguments }),
      event('response.function_call_arguments.done', {
        item_id: itemId,
        output_index: 0,
        name: toolCall.name,
        arguments: toolCall.arguments,
      }),
      event('response.output_item.done', { output_index: 0, item: toolCall }),
      event('response.completed', { response: completed }),
    ]);
    return;
  }
  const events = [
    event('response.created', { response: inProgress }),
    event('response.in_progress', { response: inProgress }),
    event('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } }),
    event('response.content_part.added', {
      item_id: 'msg_fake1',
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...pieces.map((delta) =>
      event('response.output_text.delta', { item_id: 'msg_fake1', output_index: 0, content_index: 0, delta }),
    ),
    event('response.output_text.done', {
      item_id: 'msg_fake1',
      output_index: 0,
      content_index: 0,
      text: pieces.join(''),
    }),
    event('response.content_part.done', {
      item_id: 'msg_fake1',
      output_index: 0,
      content_index: 0,
      part: message.content[0],
    }),
    event('response.output_item.done', { output_index: 0, item: message }),
    event('response.completed', { response: completed }),
  ];
  if (scenario === 'stream-error')
    events.splice(
      3,
      events.length,
      event('error', {
        code: 'server_error',
        message: 'The server had an error while processing your request.',
        param: null,
      }),
    );
  sse(res, events, scenario === 'stall');
}

function openaiEmbeddings(res: ServerResponse, body: Record<string, unknown>): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  json(res, 200, {
    object: 'list',
    data: inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding: [0.0023064255, -0.009327292, 0.015797347, -0.0077780345],
    })),
    model: String(body.model),
    usage: { prompt_tokens: 8 * inputs.length, total_tokens: 8 * inputs.length },
  });
}

// ---- Anthropic ----

/** Whether an Anthropic conversation ends with the results of tool calls (then the model answers in text). */
function lastAnthropicMessageIsToolResult(body: Record<string, unknown>): boolean {
  const messages = body.messages;
  const last = Array.isArray(messages)
    ? (messages[messages.length - 1] as { content?: unknown } | undefined)
    : undefined;
  return (
    Array.isArray(last?.content) &&
    last.content.some((block) => (block as { type?: unknown } | undefined)?.type === 'tool_result')
  );
}

function anthropicMessages(res: ServerResponse, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = String(body.model);
  const tools = wantsTools(body) && !lastAnthropicMessageIsToolResult(body);
  const usage = {
    input_tokens: 200,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 50,
    output_tokens: 60,
    service_tier: 'standard',
  };
  const content = tools
    ? [
        { type: 'text', text: 'Let me look that up.' },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'lookup_order', input: { order_id: 'A-1' } },
      ]
    : [{ type: 'text', text: TEXT.join('') }];
  const stopReason = tools ? 'tool_use' : 'end_turn';
  if (body.stream !== true) {
    json(res, 200, {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
    return;
  }
  const events: { event: string; data: unknown }[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    },
    {
      event: 'content_block_start',
      data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    },
    { event: 'ping', data: { type: 'ping' } },
  ];
  const texts = tools ? ['Let me look that up.'] : TEXT;
  for (const text of texts)
    events.push({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
    });
  events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } });
  if (tools) {
    events.push({
      event: 'content_block_start',
      data: {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'lookup_order', input: {} },
      },
    });
    events.push({
      event: 'content_block_delta',
      data: {
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"order_id": ' },
      },
    });
    events.push({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"A-1"}' } },
    });
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } });
  }
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 60 },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  sse(res, events, scenario === 'stall');
}

// ---- faults ----

function fault(res: ServerResponse, path: string, scenario: string | undefined, seen: Map<string, number>): boolean {
  if (scenario === undefined) return false;
  const anthropic = path.endsWith('/messages');
  if (scenario.startsWith('rate-limit-once')) {
    const count = (seen.get(scenario) ?? 0) + 1;
    seen.set(scenario, count);
    if (count > 1) return false;
    if (anthropic)
      json(
        res,
        429,
        {
          type: 'error',
          error: {
            type: 'rate_limit_error',
            message: 'Number of request tokens has exceeded your per-minute rate limit',
          },
        },
        { 'retry-after': '0' },
      );
    else
      json(
        res,
        429,
        {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        { 'retry-after': '0' },
      );
    return true;
  }
  if (scenario === 'server-error') {
    if (anthropic) json(res, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
    else
      json(res, 500, {
        error: {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    return true;
  }
  if (scenario === 'hang') return true; // no response at all: the client times out
  return false;
}

/**
 * The options of an `openai` client that talks to the fake provider, in `scenario` when one is named, without retries.
 *
 * @example
 * agents.setDefaultOpenAIClient(new OpenAI(fakeClientOptions(provider, 'tool-loop')));
 */
export function fakeClientOptions(
  provider: Pick<FakeProvider, 'openaiBaseURL'>,
  scenario?: string,
): { apiKey: string; baseURL: string; maxRetries: number; defaultHeaders?: Record<string, string> } {
  return {
    apiKey: 'test-key',
    baseURL: provider.openaiBaseURL,
    maxRetries: 0,
    ...(scenario === undefined ? {} : { defaultHeaders: { 'x-fake-scenario': scenario } }),
  };
}

/** Starts the fake provider on a free loopback port. */
export function startFakeProvider(): Promise<FakeProvider> {
  const received: FakeProviderRequest[] = [];
  const seen = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const scenario = req.headers['x-fake-scenario'] as string | undefined;
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        json(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error' } });
        return;
      }
      received.push({ path, scenario, body });
      open.add(res);
      res.on('close', () => open.delete(res));
      if (fault(res, path, scenario, seen)) return;
      if (path.endsWith('/chat/completions')) openaiChat(res, body, scenario);
      else if (path.endsWith('/responses')) openaiResponse(res, body, scenario);
      else if (path.endsWith('/embeddings')) openaiEmbeddings(res, body);
      else if (path.endsWith('/traces/ingest'))
        json(res, 200, {}); // the Agents SDK's own exporter, pointed here
      else if (path.endsWith('/messages')) anthropicMessages(res, body, scenario);
      else json(res, 404, { error: { message: `unknown path ${path}`, type: 'invalid_request_error' } });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        openaiBaseURL: `http://127.0.0.1:${port}/v1`,
        anthropicBaseURL: `http://127.0.0.1:${port}`,
        requests: () => [...received],
        close: () =>
          new Promise<void>((done) => {
            for (const res of open) res.destroy();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
