// An OpenAI chat completions endpoint inside the bench process, as the `fetch` of a real `openai` client: the client,
// its instrumentation and the framework above it do all their work, and no socket or other process adds its noise to
// the figure. The model it plays calls each tool of the request once, one per response, then answers: with 2 tools,
// an agent loop of 3 model calls.

/** The answer after every tool was called. */
export const FINAL_ANSWER = 'The order has shipped.';

interface ChatRequest {
  model?: string;
  tools?: { function?: { name?: string } }[];
  messages?: { role?: string; tool_call_id?: string }[];
}

let completions = 0;

/** The next tool not answered yet: each tool call's id is `call_<tool name>`. */
function nextTool(request: ChatRequest): string | undefined {
  const answered = new Set((request.messages ?? []).filter((m) => m.role === 'tool').map((m) => m.tool_call_id));
  for (const tool of request.tools ?? []) {
    const name = tool.function?.name;
    if (name !== undefined && !answered.has(`call_${name}`)) return name;
  }
  return undefined;
}

/**
 * A `fetch` for `new OpenAI({ fetch })` that answers `POST /chat/completions` in process (no streaming).
 *
 * @example
 * const client = new OpenAI({ apiKey: 'bench', baseURL: 'http://127.0.0.1:9/v1', fetch: fakeOpenAIFetch });
 */
export async function fakeOpenAIFetch(_url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as ChatRequest;
  const tool = nextTool(request);
  const message =
    tool === undefined
      ? { role: 'assistant', content: FINAL_ANSWER, refusal: null }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: `call_${tool}`,
              type: 'function',
              function: { name: tool, arguments: JSON.stringify({ order_id: 'A-1', carrier: 'DHL' }) },
            },
          ],
        };
  const body = {
    // A new id per completion, as the API gives: LangGraph's message state replaces a message by its id.
    id: `chatcmpl-bench${++completions}`,
    object: 'chat.completion',
    created: 1_765_000_000,
    model: `${request.model ?? 'gpt-4o-mini'}-2024-07-18`,
    choices: [{ index: 0, message, logprobs: null, finish_reason: tool === undefined ? 'stop' : 'tool_calls' }],
    usage: { prompt_tokens: 90, completion_tokens: 30, total_tokens: 120 },
  };
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}
