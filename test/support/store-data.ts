// Generated telemetry for the local store's tests and bench: agent turns over many sessions, as OTLP/JSON requests
// (the shape of the `file` exporter's lines). Each turn is one trace: an invoke_agent span with a chat call, a tool
// call, sometimes a helper LLM span around a client's (counted once), a duplicate-marked framework span, an HTTP span
// with a chat under it, errors, retries and time to first chunk; feedback log records point at turns. Deterministic
// for a seed.

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro'];
const TOOLS = ['search', 'calculator', 'weather'];
const REASONS = ['rate_limit', 'timeout', 'server_error'];

type KeyValue = { key: string; value: Record<string, unknown> };

function keyValues(attributes: Record<string, unknown>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value:
      typeof value === 'string'
        ? { stringValue: value }
        : typeof value === 'boolean'
          ? { boolValue: value }
          : Number.isInteger(value)
            ? { intValue: String(value) }
            : { doubleValue: value },
  }));
}

/** A small deterministic generator (mulberry32): a test made from it runs the same every time. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (value: number, width: number) => value.toString(16).padStart(width, '0').slice(-width);

export interface GeneratedLines {
  /** OTLP/JSON export requests, one per line: traces requests first, then one logs request per batch of turns. */
  lines: string[];
  spans: number;
}

export interface GeneratorOptions {
  turns: number;
  /** Turns are spread evenly from `firstMillis` to `lastMillis`. */
  firstMillis: number;
  lastMillis: number;
  sessions: number;
  seed?: number;
  turnsPerLine?: number;
}

const REVISIONS = ['reran', 'edited', 'undone', 'cleared'];

/** Spans of one turn as OTLP/JSON span objects, and maybe a feedback record. */
function turn(index: number, startMillis: number, sessions: number, next: () => number) {
  const traceId = hex(index + 1, 16).padStart(32, 'a');
  let spanCounter = 0;
  const spans: Record<string, unknown>[] = [];
  const sessionNumber = Math.floor(next() * sessions);
  const session = `session-${sessionNumber}`;
  // Most sessions have one user; one in ten has turns of two (a shared account), one in ten none.
  const user =
    sessionNumber % 10 === 0 ? undefined : `user-${sessionNumber % 10 === 1 ? index % 2 : sessionNumber % 97}`;
  const span = (
    name: string,
    parent: string | undefined,
    offsetMillis: number,
    durationMillis: number,
    attributes: Record<string, unknown>,
    kind = 1,
    error = false,
  ) => {
    const spanId = hex(index * 16 + ++spanCounter, 16);
    const start = BigInt(Math.round((startMillis + offsetMillis) * 1000)) * 1000n;
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent ?? '',
      name,
      kind,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + BigInt(Math.round(durationMillis * 1e6))).toString(),
      attributes: keyValues({
        'session.id': session,
        ...(user === undefined ? {} : { 'user.id': user }),
        ...attributes,
      }),
      status: error ? { code: 2, message: 'failed' } : { code: 0 },
    });
    return spanId;
  };
  const model = MODELS[Math.floor(next() * MODELS.length)]!;
  const chatAttributes = () => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': model,
    'gen_ai.provider.name': 'openai',
    'gen_ai.usage.input_tokens': 50 + Math.floor(next() * 500),
    'gen_ai.usage.output_tokens': 10 + Math.floor(next() * 300),
    'gen_ai.usage.cache_read.input_tokens': Math.floor(next() * 40),
    'genai_otel.cost.usd': Math.round(next() * 1e6) / 1e8,
    ...(next() < 0.5 ? { 'gen_ai.response.time_to_first_chunk': Math.round(next() * 2000) / 1000 } : {}),
    ...(next() < 0.1
      ? {
          'genai_otel.retry.count': 1 + Math.floor(next() * 3),
          'genai_otel.retry.reason': REASONS[Math.floor(next() * 3)]!,
        }
      : {}),
  });
  // Some turns are revisions of an answer: the turn under a `reran` one is a regenerated answer, not a user message.
  const revision = next();
  const revisionType = revision < 0.2 ? REVISIONS[Math.floor(revision * 20) % REVISIONS.length]! : undefined;
  const revisionSpan =
    revisionType === undefined
      ? undefined
      : span(`answer_revision ${revisionType}`, undefined, -1, 0.5, { 'genai_otel.revision.type': revisionType });
  const root = span('invoke_agent support', revisionSpan, 0, 900 + next() * 100, {
    'gen_ai.operation.name': 'invoke_agent',
  });
  span(`chat ${model}`, root, 5, 100 + next() * 800, chatAttributes(), 3, next() < 0.05);
  const tool = TOOLS[Math.floor(next() * TOOLS.length)]!;
  span(
    `execute_tool ${tool}`,
    root,
    400,
    next() * 50,
    { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool },
    1,
    next() < 0.1,
  );
  const shape = next();
  if (shape < 0.2) {
    // A helper's LLM span around the client's: one call.
    const helper = span(`chat ${model}`, root, 500, 300, chatAttributes());
    span(`chat ${model}`, helper, 501, 250, chatAttributes(), 3);
  } else if (shape < 0.35) {
    // A framework's span marked as describing another's call.
    span(`chat ${model}`, root, 500, 300, { ...chatAttributes(), 'genai_otel.call.duplicate': true });
  } else if (shape < 0.5) {
    // An LLM call under an HTTP span under an LLM span: nested, counted once.
    const outer = span(`chat ${model}`, root, 500, 300, chatAttributes());
    const http = span('POST', outer, 501, 280, { 'http.request.method': 'POST' }, 3);
    span(`chat ${model}`, http, 502, 270, chatAttributes(), 3);
  }
  if (next() < 0.05) {
    // A chat under a memory operation (a GenAI operation by its suffix) beside the agent: not a turn of its own.
    const memory = span('search_memory', undefined, 600, 50, { 'gen_ai.operation.name': 'search_memory' }, 3);
    span(`chat ${model}`, memory, 601, 40, chatAttributes(), 3);
  }
  const feedback =
    next() < 0.3
      ? {
          timeUnixNano: (BigInt(Math.round((startMillis + 2000) * 1000)) * 1000n).toString(),
          traceId,
          spanId: root,
          eventName: 'gen_ai.evaluation.result',
          attributes: keyValues({
            'gen_ai.evaluation.score.label': next() < 0.6 ? 'liked' : 'disliked',
            ...(next() < 0.5 ? { 'session.id': session } : {}),
          }),
        }
      : undefined;
  return { spans, feedback };
}

/**
 * Generated agent turns as OTLP/JSON lines.
 *
 * @example
 * const { lines } = generateTurns({ turns: 1000, firstMillis: Date.now() - 3_600_000, lastMillis: Date.now(), sessions: 50 });
 */
export function generateTurns(options: GeneratorOptions): GeneratedLines {
  const next = random(options.seed ?? 1);
  const perLine = options.turnsPerLine ?? 100;
  const lines: string[] = [];
  let count = 0;
  const step = options.turns > 1 ? (options.lastMillis - options.firstMillis) / (options.turns - 1) : 0;
  for (let first = 0; first < options.turns; first += perLine) {
    const byService: Record<string, Record<string, unknown>[]> = { 'svc-a': [], 'svc-b': [] };
    const records: Record<string, unknown>[] = [];
    for (let index = first; index < Math.min(options.turns, first + perLine); index++) {
      const made = turn(index, options.firstMillis + index * step, options.sessions, next);
      byService[index % 3 === 0 ? 'svc-b' : 'svc-a']!.push(...made.spans);
      count += made.spans.length;
      if (made.feedback !== undefined) records.push(made.feedback);
    }
    lines.push(
      JSON.stringify({
        resourceSpans: Object.entries(byService).map(([service, spans]) => ({
          resource: { attributes: keyValues({ 'service.name': service }) },
          scopeSpans: [{ scope: { name: 'generated' }, spans }],
        })),
      }),
    );
    if (records.length > 0)
      lines.push(
        JSON.stringify({
          resourceLogs: [
            {
              resource: { attributes: keyValues({ 'service.name': 'svc-a' }) },
              scopeLogs: [{ scope: { name: 'generated' }, logRecords: records }],
            },
          ],
        }),
      );
  }
  return { lines, spans: count };
}
