// Everything genai-otel emits, checked against the facts of the pinned GenAI conventions (facts.json, written by
// scripts/semconv/extract.mjs): attribute names, types and enum members, requirement levels and allowed attributes
// per span, event and metric, span kinds, metric instruments and units, and the JSON schemas of the content
// attributes. The helpers (withLLMCall, tools, agents, workflow, retrieval, memory, describeAgent) and the OpenAI
// instrumentation (chat, tools, streams, Responses, embeddings, errors), the Anthropic one (tools, streams) and the
// provider clients (@google/genai with tools, stream and embeddings; Bedrock Converse with tools and its stream; Groq,
// Ollama, Cohere chat) run against the local fakes of their wire formats in every content capture mode. The other automatic instrumentations (AI SDK,
// LangChain, Agents SDK, MCP) record through the same helpers (llm-end.ts, operation-metrics.ts, content-event.ts) and
// are not run here (issue 20).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SeverityNumber, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import AjvModule, { type ValidateFunction } from 'ajv';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { LLMSpanProcessor } from '../../../src/instrumentations/llm-span-processor.ts';
import { createOpenAIInstrumentation } from '../../../src/instrumentations/openai.ts';
import { createAnthropicInstrumentation } from '../../../src/instrumentations/anthropic.ts';
import { createGoogleGenAIInstrumentation } from '../../../src/instrumentations/google-genai.ts';
import { createBedrockInstrumentation } from '../../../src/instrumentations/bedrock.ts';
import { createGroqInstrumentation } from '../../../src/instrumentations/groq.ts';
import { createOllamaInstrumentation } from '../../../src/instrumentations/ollama.ts';
import { createCohereInstrumentation } from '../../../src/instrumentations/cohere.ts';
import { startFakeProviderApis } from '../../support/fake-provider-apis.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';
import {
  describeAgent,
  withAgent,
  withLLMCall,
  withMemoryOperation,
  withRetrieval,
  withToolCall,
  withWorkflow,
} from '../../../src/index.ts';

type Level = 'required' | 'recommended' | 'conditionally_required' | 'opt_in';
interface AttributeFact {
  type: string;
  members?: string[];
  deprecated?: boolean;
}
interface SignalFact {
  kind?: string;
  instrument?: string;
  unit?: string;
  attributes: Record<string, Level>;
  refinements?: Record<string, Record<string, Level>>;
}
interface Facts {
  source: { commit: string };
  attributes: Record<string, AttributeFact>;
  spans: Record<string, SignalFact>;
  events: Record<string, SignalFact>;
  metrics: Record<string, SignalFact>;
  previousMetrics: Record<string, SignalFact>;
  schemas: Record<string, object>;
  additions: {
    attributes: Record<string, AttributeFact & { reason: string }>;
    spans: Record<string, Record<string, Level>>;
    kinds: Record<string, string[]>;
    /** Requirements of a refinement genai-otel cannot meet on every call, by refinement: checked as conditional. */
    unmet?: Record<string, Record<string, string>>;
    /** Values of open enums the conventions do not list, by attribute. */
    members?: Record<string, Record<string, string>>;
  };
}

const facts = JSON.parse(readFileSync(new URL('./facts.json', import.meta.url), 'utf8')) as Facts;
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (options: object) => {
  compile(schema: object): ValidateFunction;
};
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map(Object.entries(facts.schemas).map(([key, schema]) => [key, ajv.compile(schema)]));
/** Each known part type's own definition: a part that names a known type must match it, not only the generic part. */
const partValidators = new Map<string, ValidateFunction>();
for (const [name, definition] of Object.entries(
  (facts.schemas['gen_ai.input.messages'] as { $defs: Record<string, { properties?: { type?: { const?: string } } }> })
    .$defs,
)) {
  const type = definition.properties?.type?.const;
  if (type !== undefined)
    partValidators.set(
      type,
      ajv.compile({
        $ref: `#/$defs/${name}`,
        $defs: (facts.schemas['gen_ai.input.messages'] as { $defs: object }).$defs,
      }),
    );
}

const CONTENT_KEYS = new Set(Object.keys(facts.schemas));
const OUR_PREFIXES = ['gen_ai.', 'openai.'];
const isConventionKey = (key: string) => OUR_PREFIXES.some((prefix) => key.startsWith(prefix));

/** The conventions' span type of a span, from its operation and kind. */
function spanTypeOf(operation: string, kind: SpanKind): string | undefined {
  if (['chat', 'text_completion', 'generate_content'].includes(operation)) return 'gen_ai.inference.client';
  if (operation === 'embeddings') return 'gen_ai.embeddings.client';
  if (operation === 'retrieval') return 'gen_ai.retrieval.client';
  if (operation.endsWith('_memory') || operation.endsWith('_memory_store')) return 'gen_ai.memory.client';
  if (operation === 'create_agent') return 'gen_ai.create_agent.client';
  if (operation === 'invoke_agent')
    return kind === SpanKind.CLIENT ? 'gen_ai.invoke_agent.client' : 'gen_ai.invoke_agent.internal';
  if (operation === 'execute_tool') return 'gen_ai.execute_tool.internal';
  if (operation === 'invoke_workflow') return 'gen_ai.invoke_workflow.internal';
  return undefined;
}

const KIND_NAMES: Record<number, string> = { [SpanKind.CLIENT]: 'client', [SpanKind.INTERNAL]: 'internal' };

function typeProblem(key: string, value: unknown, structured: boolean): string | undefined {
  const fact = facts.attributes[key] ?? facts.additions.attributes[key];
  if (fact === undefined) return `${key} is not in the registry`;
  if (fact.deprecated === true) return `${key} is deprecated`;
  const ok = (() => {
    switch (fact.type) {
      case 'string':
        return typeof value === 'string';
      case 'int':
        return typeof value === 'number' && Number.isInteger(value);
      case 'double':
        return typeof value === 'number';
      case 'boolean':
        return typeof value === 'boolean';
      case 'string[]':
        return Array.isArray(value) && value.every((item) => typeof item === 'string');
      case 'enum':
        return (
          typeof value === 'string' &&
          (fact.members!.includes(value) ||
            // `_OTHER` is the fallback member of an open set (error.type: the class name, the provider's code, ...).
            fact.members!.includes('_OTHER') ||
            facts.additions.members?.[key]?.[value] !== undefined)
        );
      case 'any':
        // JSON strings on spans (structured form is not supported there), structured values on events.
        return structured ? typeof value === 'object' && value !== null : typeof value === 'string';
      default:
        return false;
    }
  })();
  return ok
    ? undefined
    : `${key}=${JSON.stringify(value)} is not a ${fact.type}${fact.members ? ` of ${fact.members.join('|')}` : ''}`;
}

function schemaProblems(key: string, value: unknown): string[] {
  const validate = validators.get(key);
  if (validate === undefined) return [];
  const problems: string[] = [];
  if (!validate(value))
    problems.push(
      `${key} fails its JSON schema: ${ajv.constructor.name} ${JSON.stringify(validate.errors?.slice(0, 2))}`,
    );
  // Parts of a known type must match that type's definition (the generic part would accept anything with a type).
  const parts: unknown[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (key === 'gen_ai.system_instructions') parts.push(item);
      else if (typeof item === 'object' && item !== null && Array.isArray((item as { parts?: unknown }).parts))
        parts.push(...(item as { parts: unknown[] }).parts);
    }
  }
  for (const part of parts) {
    const type = (part as { type?: unknown }).type;
    const partValidate = typeof type === 'string' ? partValidators.get(type) : undefined;
    if (partValidate !== undefined && !partValidate(part))
      problems.push(`${key}: a ${String(type)} part ${JSON.stringify(part)} fails its definition`);
  }
  return problems;
}

function checkAttributes(
  where: string,
  attributes: Attributes | Record<string, unknown>,
  allowed: Record<string, Level>,
  structured: boolean,
  problems: string[],
): void {
  for (const [key, level] of Object.entries(allowed))
    if (level === 'required' && attributes[key] === undefined) problems.push(`${where}: required ${key} missing`);
  for (const [key, value] of Object.entries(attributes)) {
    if (!isConventionKey(key) && key !== 'error.type' && !key.startsWith('server.')) continue;
    if (allowed[key] === undefined) problems.push(`${where}: ${key} is not an attribute of this signal`);
    const typeIssue = typeProblem(key, value, structured);
    if (typeIssue !== undefined) problems.push(`${where}: ${typeIssue}`);
    if (CONTENT_KEYS.has(key)) {
      let parsed: unknown = value;
      if (!structured) {
        try {
          parsed = JSON.parse(String(value));
        } catch {
          problems.push(`${where}: ${key} is not JSON`);
          continue;
        }
      }
      problems.push(...schemaProblems(key, parsed).map((problem) => `${where}: ${problem}`));
    }
  }
}

/** The attributes a refinement adds for the call's provider, its unmet requirements (additions.unmet) made conditional. */
function refinedAttributes(fact: SignalFact, provider: unknown): Record<string, Level> {
  const allowed: Record<string, Level> = {};
  for (const [refinement, attributes] of Object.entries(fact.refinements ?? {})) {
    if (!refinement.startsWith(`${String(provider)}.`)) continue;
    Object.assign(allowed, attributes);
    for (const key of Object.keys(facts.additions.unmet?.[refinement] ?? {})) allowed[key] = 'conditionally_required';
  }
  return allowed;
}

function checkSpan(span: ReadableSpan, problems: string[]): void {
  const operation = span.attributes['gen_ai.operation.name'];
  const where = `span "${span.name}" (${span.instrumentationScope.name})`;
  if (typeof operation !== 'string') {
    // Spans of ours without an operation (answer revisions, custom spans) carry no convention attribute.
    for (const key of Object.keys(span.attributes))
      if (isConventionKey(key)) problems.push(`${where}: ${key} on a span with no gen_ai.operation.name`);
    return;
  }
  const type = spanTypeOf(operation, span.kind);
  if (type === undefined) return void problems.push(`${where}: operation ${operation} has no span type`);
  const fact = facts.spans[type]!;
  const kinds = [fact.kind, ...(facts.additions.kinds[type] ?? [])];
  // Inference and memory spans MAY be INTERNAL for in-process models and stores.
  if (type === 'gen_ai.inference.client' || type === 'gen_ai.memory.client') kinds.push('internal');
  if (!kinds.includes(KIND_NAMES[span.kind]))
    problems.push(`${where}: kind ${KIND_NAMES[span.kind]} is not ${kinds.join('|')}`);
  const provider = span.attributes['gen_ai.provider.name'];
  const allowed: Record<string, Level> = {
    ...fact.attributes,
    ...facts.additions.spans[type],
    ...refinedAttributes(fact, provider),
  };
  checkAttributes(where, span.attributes, allowed, false, problems);
  if (span.status.code === SpanStatusCode.ERROR) {
    if (span.attributes['error.type'] === undefined) problems.push(`${where}: failed without error.type`);
    if (!span.events.some((event) => event.name === 'exception'))
      problems.push(`${where}: failed without an exception event`);
  }
}

function checkLog(record: ReadableLogRecord, problems: string[]): void {
  const name = record.eventName;
  const where = `log record ${name ?? '(no event name)'}`;
  if (record.attributes['event.name'] !== undefined) problems.push(`${where}: the deprecated event.name attribute`);
  if (name === undefined || !name.startsWith('gen_ai.')) return;
  const fact = facts.events[name];
  if (fact === undefined) return void problems.push(`${where}: not an event of the conventions`);
  if (name === 'gen_ai.client.operation.exception' && record.severityNumber !== SeverityNumber.WARN)
    problems.push(`${where}: severity ${record.severityNumber} is not WARN (13)`);
  const provider = record.attributes['gen_ai.provider.name'];
  const allowed: Record<string, Level> = { ...fact.attributes };
  if (name === 'gen_ai.client.inference.operation.details') {
    Object.assign(allowed, facts.additions.spans['gen_ai.inference.client']);
    Object.assign(allowed, refinedAttributes(facts.spans['gen_ai.inference.client']!, provider));
  }
  const attributes = { ...record.attributes };
  // genai-otel's own names (cost, stream facts) may ride along; they are ours, not the conventions'.
  for (const key of Object.keys(attributes)) if (key.startsWith('genai_otel.')) delete attributes[key];
  checkAttributes(where, attributes, allowed, true, problems);
}

function checkMetric(metric: MetricData, catalogue: Record<string, SignalFact>, problems: string[]): void {
  const { name, unit } = metric.descriptor;
  if (!name.startsWith('gen_ai.')) return;
  const where = `metric ${name}`;
  const fact = catalogue[name];
  if (fact === undefined) return void problems.push(`${where}: not a metric of these conventions`);
  const instrument =
    metric.dataPointType === DataPointType.HISTOGRAM
      ? 'histogram'
      : metric.dataPointType === DataPointType.SUM && metric.isMonotonic
        ? 'counter'
        : 'other';
  if (instrument !== fact.instrument) problems.push(`${where}: a ${instrument}, not a ${fact.instrument}`);
  if (unit !== fact.unit) problems.push(`${where}: unit ${unit}, not ${fact.unit}`);
  for (const point of metric.dataPoints) {
    const allowed = { ...fact.attributes, ...refinedAttributes(fact, point.attributes['gen_ai.provider.name']) };
    checkAttributes(`${where} point ${JSON.stringify(point.attributes)}`, point.attributes, allowed, false, problems);
  }
}

process.env.GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS = '300';
const sdk = installMemorySdk({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: false })] });
createOpenAIInstrumentation({ captureContent: 'none' });
const require = createRequire(import.meta.url);
const { OpenAI } = require('openai') as typeof import('openai');
const fake = await startFakeProvider();
after(() => fake.close());
const client = new OpenAI({ apiKey: 'test-key', baseURL: fake.openaiBaseURL, maxRetries: 0 });
createAnthropicInstrumentation();
const { Anthropic } = require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');
const anthropic = new Anthropic({ apiKey: 'test-key', baseURL: fake.anthropicBaseURL, maxRetries: 0 });
// The provider clients of issue 19, each against the fake of its own wire format.
createGoogleGenAIInstrumentation();
createBedrockInstrumentation();
createGroqInstrumentation();
createOllamaInstrumentation();
createCohereInstrumentation();
const fakeApis = await startFakeProviderApis();
after(() => fakeApis.close());
const { GoogleGenAI } = require('@google/genai') as typeof import('@google/genai');
const gemini = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: fakeApis.baseURL } });
const bedrockRuntime = require('@aws-sdk/client-bedrock-runtime') as typeof import('@aws-sdk/client-bedrock-runtime');
const bedrock = new bedrockRuntime.BedrockRuntimeClient({
  region: 'us-east-1',
  endpoint: fakeApis.bedrockURL,
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  maxAttempts: 1,
});
const Groq = (require('groq-sdk') as typeof import('groq-sdk')).default;
const groq = new Groq({ apiKey: 'test-key', baseURL: fakeApis.baseURL, maxRetries: 0 });
const { Ollama } = require('ollama') as typeof import('ollama');
const ollama = new Ollama({ host: fakeApis.baseURL });
const { CohereClientV2 } = require('cohere-ai') as typeof import('cohere-ai');
const cohere = new CohereClientV2({ token: 'test-key', environment: fakeApis.baseURL });

const completion = {
  object: 'chat.completion',
  id: 'chatcmpl-c',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"A-1"}' } }],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 30, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 10 } },
};
const lookupOrder = {
  type: 'function',
  function: { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: {} } },
};

/** Everything genai-otel records, once: helpers nested as an application would, then the OpenAI client's calls. */
async function emitEverything(): Promise<void> {
  await withWorkflow({ name: 'support-flow' }, async () => {
    describeAgent({
      name: 'support-agent',
      provider: 'openai',
      model: 'gpt-4o-mini',
      tools: [lookupOrder],
      systemInstructions: 'Help.',
    });
    await withAgent({ name: 'support-agent', provider: 'openai', model: 'gpt-4o-mini' }, async () => {
      await withLLMCall(
        {
          provider: 'openai',
          model: 'gpt-4o-mini',
          temperature: 0.2,
          seed: 7,
          messages: [
            { role: 'user', content: 'Where is A-1?' },
            {
              role: 'assistant',
              tool_calls: [
                { id: 'call_0', type: 'function', function: { name: 'lookup_order', arguments: '{"id":"A-0"}' } },
              ],
            },
            { role: 'tool', tool_call_id: 'call_0', content: 'delivered' },
          ],
          systemInstructions: 'Be brief.',
          tools: [lookupOrder],
        },
        async () => completion,
      );
      await withToolCall(
        { name: 'lookup_order', callId: 'call_1', type: 'function', arguments: { id: 'A-1' } },
        async () => ({
          status: 'shipped',
        }),
      );
      await withRetrieval({ dataSourceId: 'kb', topK: 3, query: 'refunds' }, async () => [{ id: 'doc-1', score: 0.9 }]);
      await withMemoryOperation({ operation: 'search', storeId: 'facts', query: 'A-1' }, async () => ['likes tea']);
      await assert.rejects(
        withLLMCall({ provider: 'anthropic', model: 'claude-sonnet-4' }, async () => {
          throw new TypeError('bad request');
        }),
      );
    });
  });
  const messages = [{ role: 'user' as const, content: 'Where is A-1?' }];
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, seed: 3 });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [lookupOrder as never] });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const chunk of stream) void chunk;
  await client.responses.create({ model: 'gpt-4o-mini', input: 'Where is A-1?', instructions: 'Be brief.' });
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'sunny day' });
  await assert.rejects(
    client.chat.completions.create(
      { model: 'gpt-4o-mini', messages },
      { headers: { 'x-fake-scenario': 'server-error' } },
    ),
  );
  const claude = {
    model: 'claude-sonnet-4-20250514',
    max_tokens: 256,
    system: 'You answer order questions.',
    messages: [{ role: 'user' as const, content: 'Where is A-1?' }],
  };
  await anthropic.messages.create({
    ...claude,
    tools: [{ name: 'lookup_order', description: 'Finds an order', input_schema: { type: 'object', properties: {} } }],
  });
  const claudeStream = await anthropic.messages.create({ ...claude, stream: true });
  for await (const event of claudeStream) void event;
  await emitProviderCalls();
}

/** The provider clients' calls: Gemini (tools, stream, embeddings), Bedrock Converse (tools, stream), Groq, Ollama, Cohere. */
async function emitProviderCalls(): Promise<void> {
  const question = 'Where is A-1?';
  await gemini.models.generateContent({
    model: 'gemini-2.5-flash',
    contents: question,
    config: {
      systemInstruction: 'You answer order questions.',
      temperature: 0.2,
      tools: [{ functionDeclarations: [{ name: 'lookup_order', description: 'Find an order' }] }],
    },
  });
  for await (const chunk of await gemini.models.generateContentStream({
    model: 'gemini-2.5-flash',
    contents: question,
  }))
    void chunk;
  await gemini.models.embedContent({ model: 'text-embedding-004', contents: question });
  const converse = {
    modelId: 'anthropic.claude-sonnet-4-20250514-v1:0',
    messages: [{ role: 'user' as const, content: [{ text: question }] }],
    system: [{ text: 'You answer order questions.' }],
    inferenceConfig: { maxTokens: 256, temperature: 0.3 },
  };
  await bedrock.send(
    new bedrockRuntime.ConverseCommand({
      ...converse,
      toolConfig: {
        tools: [{ toolSpec: { name: 'lookup_order', description: 'Find an order', inputSchema: { json: {} } } }],
      },
    }),
  );
  const converseStream = await bedrock.send(new bedrockRuntime.ConverseStreamCommand(converse));
  for await (const event of converseStream.stream ?? []) void event;
  const messages = [{ role: 'user' as const, content: question }];
  await groq.chat.completions.create({ model: 'llama-3.3-70b-versatile', messages, max_tokens: 64 });
  await ollama.chat({ model: 'llama3.2', messages });
  await cohere.chat({ model: 'command-a-03-2025', messages });
}

async function problemsWith(env: Record<string, string | undefined>, catalogue: Record<string, SignalFact>) {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetGenAISettingsForTests();
  await sdk.reset();
  // Instruments made under an earlier mode stay registered (with their cumulative points): only the metrics this run
  // recorded into are checked.
  const before = measurementsByMetric(await sdk.collect());
  await emitEverything();
  const problems: string[] = [];
  for (const span of sdk.spans()) checkSpan(span, problems);
  for (const record of sdk.logs()) checkLog(record, problems);
  const collected = await sdk.collect();
  const after = measurementsByMetric(collected);
  for (const metric of collected.values())
    if (after.get(metric.descriptor.name) !== before.get(metric.descriptor.name))
      checkMetric(metric, catalogue, problems);
  return { problems: [...new Set(problems)], spans: sdk.spans(), logs: sdk.logs() };
}

for (const mode of ['NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT']) {
  test(`content capture ${mode}: every span, event, log record and metric follows the conventions of ${facts.source.commit.slice(0, 8)}`, async () => {
    const { problems, spans, logs } = await problemsWith(
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: mode, OTEL_SEMCONV_STABILITY_OPT_IN: undefined },
      facts.metrics,
    );
    assert.deepEqual(problems, []);
    // The run did emit what the modes promise, so an empty list means something.
    assert.ok(spans.length >= 16, `${spans.length} spans`);
    for (const scope of ['genai-otel', '@opentelemetry/instrumentation-openai'])
      assert.ok(
        spans.some((span) => span.instrumentationScope.name === scope),
        `spans of ${scope}`,
      );
    assert.equal(
      spans.filter((span) => span.name === 'chat claude-sonnet-4-20250514').length,
      2,
      'the Anthropic instrumentation traced both calls',
    );
    assert.deepEqual(
      new Set(spans.flatMap((span) => span.attributes['gen_ai.provider.name'] ?? [])),
      new Set(['openai', 'anthropic', 'gcp.gemini', 'aws.bedrock', 'groq', 'ollama', 'cohere']),
      'every provider client made its spans',
    );
    const onSpans = spans.some((span) => span.attributes['gen_ai.input.messages'] !== undefined);
    const events = logs.filter((record) => record.eventName === 'gen_ai.client.inference.operation.details').length;
    assert.equal(onSpans, mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT');
    assert.equal(events > 0, mode === 'EVENT_ONLY' || mode === 'SPAN_AND_EVENT');
    assert.equal(logs.filter((record) => record.eventName === 'gen_ai.client.operation.exception').length, 2);
  });
}

test('gen_ai_previous: the metrics follow the previous model’s names, spans and events the pinned one', async () => {
  const { problems } = await problemsWith(
    {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT',
      OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_previous',
    },
    {
      ...facts.previousMetrics,
      ...pick(facts.metrics, [
        'gen_ai.execute_tool.duration',
        'gen_ai.invoke_agent.duration',
        'gen_ai.invoke_workflow.duration',
      ]),
    },
  );
  // gen_ai.system is deprecated but asked for: the only difference allowed on spans.
  assert.deepEqual(
    problems.filter((problem) => !problem.includes('gen_ai.system')),
    [],
  );
  delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
});

test('the checks catch what they are for: a foreign gen_ai name, a wrong type, a provider-shaped tool definition', () => {
  const problems: string[] = [];
  checkAttributes(
    'probe',
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.made.up': 'x',
      'gen_ai.request.seed': 1.5,
      'gen_ai.tool.definitions': JSON.stringify([lookupOrder]),
    },
    {
      'gen_ai.operation.name': 'required',
      'gen_ai.request.seed': 'conditionally_required',
      'gen_ai.tool.definitions': 'opt_in',
      'gen_ai.provider.name': 'required',
    },
    false,
    problems,
  );
  assert.ok(problems.some((problem) => problem.includes('required gen_ai.provider.name missing')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.made.up is not in the registry')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.request.seed=1.5 is not a int')));
  assert.ok(problems.some((problem) => problem.includes('gen_ai.tool.definitions fails its JSON schema')));
});

/** Measurements so far per metric: histogram counts and counter sums. */
function measurementsByMetric(metrics: Map<string, MetricData>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [name, metric] of metrics) {
    let total = 0;
    for (const point of metric.dataPoints as { value: number | { count: number } }[])
      total += typeof point.value === 'number' ? point.value : point.value.count;
    totals.set(name, total);
  }
  return totals;
}

function pick<T>(object: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(keys.map((key) => [key, object[key]!]));
}
