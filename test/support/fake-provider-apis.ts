// A local HTTP server that speaks the wire formats of the provider APIs other than OpenAI's and Anthropic's, so their
// real client libraries can be tested without a network. Bodies follow the providers' public API references:
//   Gemini API / Vertex AI   POST …/models/{model}:generateContent, :streamGenerateContent?alt=sse (SSE of
//                            GenerateContentResponse), :embedContent, :batchEmbedContents, :predict
//   AWS Bedrock Runtime      (HTTP/2 without TLS, as its client's default handler speaks it: `bedrockURL`)
//                            POST /model/{modelId}/converse, /converse-stream (application/vnd.amazon.eventstream
//                            frames written with @smithy/eventstream-codec), /invoke, /invoke-with-response-stream
//   Mistral                  POST /v1/chat/completions (JSON, or SSE chunks ending in `data: [DONE]`),
//                            /v1/fim/completions, /v1/embeddings
//   Groq                     POST /openai/v1/chat/completions (SSE: usage in the last chunk's `x_groq.usage`),
//                            /openai/v1/embeddings
//   Ollama                   POST /api/chat, /api/generate (JSON, or NDJSON when `stream` is true), /api/embed
//   Cohere v2                POST /v2/chat (JSON, or SSE of typed events when `stream` is true), /v2/embed
//
// A request picks a fault with the header `x-fake-scenario`:
//   bad-request   400 with the provider's error body
//   stall         a stream sends its first event, then nothing more, keeping the connection open
//   cut           a stream sends its first event, then the connection is destroyed
//   not-json      a 200 whose body is not JSON
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';

export interface FakeApiRequest {
  path: string;
  scenario: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeProviderApis {
  /** `http://127.0.0.1:{port}`: the base URL the HTTP/1.1 clients here take. */
  baseURL: string;
  port: number;
  /** The endpoint of the Bedrock Runtime client (HTTP/2). */
  bedrockURL: string;
  requests(): FakeApiRequest[];
  close(): Promise<void>;
}

export const GEMINI_TEXT = ['The order', ' has shipped.'];
export const GEMINI_USAGE = {
  promptTokenCount: 120,
  candidatesTokenCount: 30,
  thoughtsTokenCount: 20,
  cachedContentTokenCount: 40,
  totalTokenCount: 170,
};
export const BEDROCK_USAGE = { inputTokens: 100, outputTokens: 25, totalTokens: 145, cacheReadInputTokens: 20 };

/** What the handlers use of an HTTP/1.1 or HTTP/2 compatibility response. */
interface Response {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: Record<string, string>): unknown;
  setHeader(name: string, value: string): unknown;
  write(chunk: string | Uint8Array): unknown;
  end(chunk: string): unknown;
  end(): unknown;
  destroy(): unknown;
}

function json(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function geminiChunk(model: string, text: string, last: boolean): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text }] },
        index: 0,
        ...(last ? { finishReason: 'STOP' } : {}),
      },
    ],
    ...(last ? { usageMetadata: GEMINI_USAGE } : {}),
    modelVersion: model,
    responseId: 'resp-gemini-1',
  };
}

function gemini(res: Response, path: string, body: Record<string, unknown>, scenario: string | undefined): void {
  const match = /models\/([^/:]+):(\w+)/.exec(path);
  const model = match?.[1] ?? 'unknown';
  const method = match?.[2];
  if (scenario === 'bad-request') {
    json(res, 400, { error: { code: 400, message: 'Invalid JSON payload', status: 'INVALID_ARGUMENT' } });
    return;
  }
  if (method === 'generateContent') {
    const tools = (body.tools as unknown[] | undefined) ?? [];
    if (tools.length > 0) {
      json(res, 200, {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ functionCall: { name: 'lookup_order', args: { order_id: 'A-1' } } }],
            },
            finishReason: 'STOP',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 80, candidatesTokenCount: 10, totalTokenCount: 90 },
        modelVersion: model,
        responseId: 'resp-gemini-tools',
      });
      return;
    }
    json(res, 200, {
      ...geminiChunk(model, GEMINI_TEXT.join(''), true),
    });
    return;
  }
  if (method === 'streamGenerateContent') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    GEMINI_TEXT.forEach((text, index) => {
      if ((scenario === 'stall' || scenario === 'cut') && index > 0) return;
      res.write(`data: ${JSON.stringify(geminiChunk(model, text, index === GEMINI_TEXT.length - 1))}\r\n\r\n`);
    });
    if (scenario === 'cut') setTimeout(() => res.destroy(), 20);
    else if (scenario !== 'stall') res.end();
    return;
  }
  const vector = { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] };
  if (method === 'embedContent') {
    json(res, 200, { embedding: vector });
    return;
  }
  if (method === 'batchEmbedContents') {
    const count = Array.isArray(body.requests) ? body.requests.length : 1;
    json(res, 200, { embeddings: Array.from({ length: count }, () => vector) });
    return;
  }
  if (method === 'predict') {
    const count = Array.isArray(body.instances) ? body.instances.length : 1;
    json(res, 200, {
      predictions: Array.from({ length: count }, () => ({
        embeddings: { values: vector.values, statistics: { token_count: 7, truncated: false } },
      })),
    });
    return;
  }
  json(res, 404, { error: { code: 404, message: `no such method ${String(method)}`, status: 'NOT_FOUND' } });
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
);

/** One event-stream frame of a Bedrock stream: `:event-type` names the member of the output union. */
export function bedrockFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')),
  });
}

/** Bedrock's error frames and bodies name the exception in `x-amzn-errortype` (a JSON 1.1-style REST service). */
function bedrockError(res: Response, status: number, type: string, message: string): void {
  json(
    res,
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );
}

/** The InvokeModel body a model family answers with, per its documented native request/response format. */
function invokeBody(modelId: string): Record<string, unknown> {
  const family = modelId.replace(/^(us|eu|apac|global)\./, '').split('.')[0];
  if (family === 'anthropic')
    return {
      id: 'msg_bedrock_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-20250514',
      content: [{ type: 'text', text: 'The order has shipped.' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 90, output_tokens: 12, cache_read_input_tokens: 10 },
    };
  if (modelId.includes('amazon.nova'))
    return {
      output: { message: { role: 'assistant', content: [{ text: 'The order has shipped.' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 60, outputTokens: 9, totalTokens: 69, cacheReadInputTokenCount: 0 },
    };
  if (modelId.includes('amazon.titan-embed')) return { embedding: [0.1, 0.2, 0.3, 0.4], inputTextTokenCount: 6 };
  if (family === 'amazon')
    return {
      inputTextTokenCount: 15,
      results: [{ tokenCount: 7, outputText: 'The order has shipped.', completionReason: 'FINISH' }],
    };
  if (family === 'meta')
    return {
      generation: 'The order has shipped.',
      prompt_token_count: 33,
      generation_token_count: 8,
      stop_reason: 'stop',
    };
  if (family === 'mistral') return { outputs: [{ text: 'The order has shipped.', stop_reason: 'stop' }] };
  if (family === 'cohere' && modelId.includes('embed'))
    return {
      id: 'emb-1',
      embeddings: [[0.1, 0.2, 0.3]],
      texts: ['Where is my order A-1?'],
      response_type: 'embeddings_floats',
    };
  if (family === 'cohere')
    return {
      response_id: 'cohere-1',
      text: 'The order has shipped.',
      generation_id: 'gen-1',
      finish_reason: 'COMPLETE',
      chat_history: [],
    };
  return {};
}

async function bedrock(
  res: Response,
  path: string,
  body: Record<string, unknown>,
  scenario: string | undefined,
): Promise<void> {
  const match = /^\/model\/([^/]+)\/([\w-]+)/.exec(path);
  const modelId = decodeURIComponent(match?.[1] ?? '');
  const action = match?.[2];
  if (scenario === 'bad-request') {
    bedrockError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
    return;
  }
  if (scenario === 'throttled') {
    bedrockError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    return;
  }
  res.setHeader('x-amzn-requestid', 'req-bedrock-1');
  if (action === 'converse') {
    const tools = (body.toolConfig as { tools?: unknown[] } | undefined)?.tools ?? [];
    json(res, 200, {
      output: {
        message: {
          role: 'assistant',
          content:
            tools.length > 0
              ? [{ toolUse: { toolUseId: 'tooluse_1', name: 'lookup_order', input: { order_id: 'A-1' } } }]
              : [{ text: 'The order has shipped.' }],
        },
      },
      stopReason: tools.length > 0 ? 'tool_use' : 'end_turn',
      usage: BEDROCK_USAGE,
      metrics: { latencyMs: 120 },
    });
    return;
  }
  if (action === 'converse-stream') {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    const frames = [
      bedrockFrame('messageStart', { role: 'assistant' }),
      bedrockFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'The order' } }),
      bedrockFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' has shipped.' } }),
      bedrockFrame('contentBlockStop', { contentBlockIndex: 0 }),
      bedrockFrame('messageStop', { stopReason: 'end_turn' }),
      bedrockFrame('metadata', { usage: BEDROCK_USAGE, metrics: { latencyMs: 90 } }),
    ];
    if (scenario === 'stall') {
      res.write(frames[0]!);
      res.write(frames[1]!);
      return;
    }
    for (const frame of frames) res.write(frame);
    res.end();
    return;
  }
  if (action === 'invoke' && scenario === 'not-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('<html>gateway</html>');
    return;
  }
  if (action === 'invoke') {
    json(res, 200, invokeBody(modelId));
    return;
  }
  if (action === 'invoke-with-response-stream') {
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    const events = [
      {
        type: 'message_start',
        message: {
          id: 'msg_bedrock_2',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-20250514',
          content: [],
          usage: { input_tokens: 90, output_tokens: 1 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'The order has shipped.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 12 } },
      {
        type: 'message_stop',
        'amazon-bedrock-invocationMetrics': {
          inputTokenCount: 90,
          outputTokenCount: 12,
          invocationLatency: 300,
          firstByteLatency: 100,
        },
      },
    ];
    for (const event of events)
      res.write(bedrockFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') }));
    res.end();
    return;
  }
  bedrockError(res, 404, 'ResourceNotFoundException', `no action ${String(action)}`);
}

export const MISTRAL_USAGE = { prompt_tokens: 42, completion_tokens: 11, total_tokens: 53 };

function mistral(res: Response, path: string, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  if (scenario === 'bad-request') {
    json(res, 422, { detail: [{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required' }] });
    return;
  }
  if (path.startsWith('/v1/embeddings')) {
    const inputs = Array.isArray(body.inputs) ? body.inputs : [body.inputs];
    json(res, 200, {
      id: 'emb-mistral-1',
      object: 'list',
      model,
      usage: { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9 },
      data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3, 0.4, 0.5] })),
    });
    return;
  }
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  const message = tools
    ? {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_m1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A-1"}' } },
        ],
      }
    : { role: 'assistant', content: 'The order has shipped.', tool_calls: null };
  const finish = tools ? 'tool_calls' : 'stop';
  if (body.stream === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const pieces = ['The order', ' has shipped.'];
    pieces.forEach((content, index) => {
      if (scenario === 'stall' && index > 0) return;
      const last = index === pieces.length - 1;
      const chunk = {
        id: 'cmpl-mistral-2',
        object: 'chat.completion.chunk',
        created: 1_735_689_600,
        model,
        choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: last ? 'stop' : null }],
        ...(last ? { usage: MISTRAL_USAGE } : {}),
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    });
    if (scenario === 'stall') return;
    res.write('data: [DONE]\n\n');
    res.end();
    return;
  }
  json(res, 200, {
    id: 'cmpl-mistral-1',
    object: 'chat.completion',
    created: 1_735_689_600,
    model,
    usage: MISTRAL_USAGE,
    choices: [{ index: 0, message, finish_reason: finish }],
  });
}

export const GROQ_USAGE = {
  prompt_tokens: 64,
  completion_tokens: 16,
  total_tokens: 80,
  prompt_tokens_details: { cached_tokens: 32 },
};

function groq(res: Response, path: string, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  if (scenario === 'bad-request') {
    json(res, 400, { error: { message: 'model not found', type: 'invalid_request_error', code: 'model_not_found' } });
    return;
  }
  if (path.endsWith('/embeddings')) {
    json(res, 200, {
      object: 'list',
      model,
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    return;
  }
  if (body.stream === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const pieces = ['The order', ' has shipped.'];
    pieces.forEach((content, index) => {
      const last = index === pieces.length - 1;
      const chunk = {
        id: 'chatcmpl-groq-2',
        object: 'chat.completion.chunk',
        created: 1_735_689_600,
        model,
        choices: [{ index: 0, delta: { content }, finish_reason: last ? 'stop' : null }],
        x_groq: last ? { id: 'req_groq_2', usage: GROQ_USAGE } : { id: 'req_groq_2' },
      };
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    });
    res.write('data: [DONE]\n\n');
    res.end();
    return;
  }
  json(res, 200, {
    id: 'chatcmpl-groq-1',
    object: 'chat.completion',
    created: 1_735_689_600,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'The order has shipped.' }, finish_reason: 'stop' }],
    usage: GROQ_USAGE,
    x_groq: { id: 'req_groq_1' },
  });
}

function ollama(res: Response, path: string, body: Record<string, unknown>, scenario: string | undefined): void {
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  if (scenario === 'bad-request' || model === 'missing-model') {
    json(res, 404, { error: `model "${model}" not found, try pulling it first` });
    return;
  }
  if (path === '/api/embed') {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    json(res, 200, {
      model,
      embeddings: inputs.map(() => [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
      total_duration: 1_000_000,
      prompt_eval_count: 5,
    });
    return;
  }
  const chat = path === '/api/chat';
  const part = (text: string) => (chat ? { message: { role: 'assistant', content: text } } : { response: text });
  const end = {
    done: true,
    done_reason: 'stop',
    total_duration: 5_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: 26,
    eval_count: 9,
  };
  if (body.stream === true) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const pieces = ['The order', ' has shipped.'];
    if (scenario === 'cut') {
      res.write(
        `${JSON.stringify({ model, created_at: '2026-12-06T10:00:00Z', ...part('The order'), done: false })}\n`,
      );
      setTimeout(() => res.destroy(), 20);
      return;
    }
    pieces.forEach((text, index) => {
      const last = index === pieces.length - 1;
      const line = { model, created_at: '2026-12-06T10:00:00Z', ...part(text), ...(last ? end : { done: false }) };
      res.write(`${JSON.stringify(line)}\n`);
    });
    res.end();
    return;
  }
  json(res, 200, { model, created_at: '2026-12-06T10:00:00Z', ...part('The order has shipped.'), ...end });
}

export const COHERE_TOKENS = { input_tokens: 30, output_tokens: 8 };

function cohere(res: Response, path: string, body: Record<string, unknown>, scenario: string | undefined): void {
  if (scenario === 'bad-request') {
    json(res, 400, { message: 'invalid request: model is required' });
    return;
  }
  if (path === '/v2/embed') {
    const texts = Array.isArray(body.texts) ? body.texts : [];
    json(res, 200, {
      id: 'emb-cohere-1',
      embeddings: { float: texts.map(() => [0.1, 0.2, 0.3, 0.4]) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: 3 } },
      response_type: 'embeddings_by_type',
    });
    return;
  }
  const usage = { billed_units: COHERE_TOKENS, tokens: { input_tokens: 130, output_tokens: 8 }, cached_tokens: 100 };
  if (body.stream === true) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const events = [
      { type: 'message-start', id: 'chat-cohere-2', delta: { message: { role: 'assistant' } } },
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'The order' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: ' has shipped.' } } } },
      { type: 'content-end', index: 0 },
      { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage } },
    ];
    for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    res.end();
    return;
  }
  json(res, 200, {
    id: 'chat-cohere-1',
    finish_reason: 'COMPLETE',
    message: { role: 'assistant', content: [{ type: 'text', text: 'The order has shipped.' }] },
    usage,
  });
}

async function readBody(req: IncomingMessage | Http2ServerRequest): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    return { raw: text };
  }
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startFakeProviderApis(): Promise<FakeProviderApis> {
  const seen: FakeApiRequest[] = [];
  const handle = (req: IncomingMessage | Http2ServerRequest, res: Response): void => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      const header = req.headers['x-fake-scenario'];
      const scenario = typeof header === 'string' ? header : undefined;
      seen.push({ path, scenario, body });
      if (path.startsWith('/model/')) await bedrock(res, path, body, scenario);
      else if (/^\/v1\/(chat|fim|embeddings)/.test(path)) mistral(res, path, body, scenario);
      else if (path.startsWith('/openai/v1/')) groq(res, path, body, scenario);
      else if (path.startsWith('/api/')) ollama(res, path, body, scenario);
      else if (path.startsWith('/v2/')) cohere(res, path, body, scenario);
      else gemini(res, path, body, scenario);
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(error) });
      else res.destroy();
    });
  };
  const server = createServer((req, res: ServerResponse) => handle(req, res));
  const http2Server = createHttp2Server((req, res: Http2ServerResponse) => handle(req, res));
  const sessions = new Set<{ destroy(): void }>();
  http2Server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http2Server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const http2Port = (http2Server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    port,
    bedrockURL: `http://127.0.0.1:${http2Port}`,
    requests: () => seen,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => http2Server.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
