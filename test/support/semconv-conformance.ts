// The conformance checks of genai-otel's telemetry against the facts of the pinned GenAI conventions
// (test/unit/semconv/facts.json, written by scripts/semconv/extract.mjs), shared by the conformance tests: attribute
// names, types and enum members, requirement levels and allowed attributes per span, event and metric, span kinds,
// metric instruments and units, and the JSON schemas of the content attributes.
import { readFileSync } from 'node:fs';
import { SeverityNumber, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import AjvModule, { type ValidateFunction } from 'ajv';
import type { MemorySdk } from './memory-sdk.ts';
import { resetGenAISettingsForTests } from '../../src/config/genai-settings.ts';

export type Level = 'required' | 'recommended' | 'conditionally_required' | 'opt_in';
interface AttributeFact {
  type: string;
  members?: string[];
  deprecated?: boolean;
}
export interface SignalFact {
  kind?: string;
  instrument?: string;
  unit?: string;
  attributes: Record<string, Level>;
  refinements?: Record<string, Record<string, Level>>;
}
export interface Facts {
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

export const facts = JSON.parse(readFileSync(new URL('../unit/semconv/facts.json', import.meta.url), 'utf8')) as Facts;
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
const OUR_PREFIXES = ['gen_ai.', 'openai.', 'mcp.', 'jsonrpc.', 'aws.bedrock.'];
/** Names of the core registry the GenAI and MCP signals reference: checked on those signals like the model's own. */
const CORE_PREFIXES = ['error.type', 'server.', 'client.', 'network.', 'rpc.'];
const isConventionKey = (key: string) => OUR_PREFIXES.some((prefix) => key.startsWith(prefix));

/** The conventions' span type of a span, from its operation and kind. */
function spanTypeOf(operation: string | undefined, kind: SpanKind, mcpMethod: unknown): string | undefined {
  // An MCP request is an MCP span, whatever GenAI operation (execute_tool for tools/call) it also carries.
  if (mcpMethod !== undefined) return kind === SpanKind.SERVER ? 'mcp.server' : 'mcp.client';
  if (operation === undefined) return undefined;
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

const KIND_NAMES: Record<number, string> = {
  [SpanKind.CLIENT]: 'client',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
};

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

export function checkAttributes(
  where: string,
  attributes: Attributes | Record<string, unknown>,
  allowed: Record<string, Level>,
  structured: boolean,
  problems: string[],
): void {
  for (const [key, level] of Object.entries(allowed))
    if (level === 'required' && attributes[key] === undefined) problems.push(`${where}: required ${key} missing`);
  for (const [key, value] of Object.entries(attributes)) {
    if (!isConventionKey(key) && !CORE_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
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

export function checkSpan(span: ReadableSpan, problems: string[]): void {
  const operation = span.attributes['gen_ai.operation.name'];
  const mcpMethod = span.attributes['mcp.method.name'];
  const where = `span "${span.name}" (${span.instrumentationScope.name})`;
  if (typeof operation !== 'string' && mcpMethod === undefined) {
    // Spans of ours without an operation (answer revisions, custom spans) carry no convention attribute.
    for (const key of Object.keys(span.attributes))
      if (isConventionKey(key)) problems.push(`${where}: ${key} on a span with no gen_ai.operation.name`);
    return;
  }
  const type = spanTypeOf(typeof operation === 'string' ? operation : undefined, span.kind, mcpMethod);
  if (type === undefined) return void problems.push(`${where}: operation ${String(operation)} has no span type`);
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
    // MCP's tool_error is a result the tool returned (isError: true), not an exception.
    const returnedError =
      type === 'mcp.client' || type === 'mcp.server' ? span.attributes['error.type'] === 'tool_error' : false;
    if (!returnedError && !span.events.some((event) => event.name === 'exception'))
      problems.push(`${where}: failed without an exception event`);
  }
}

export function checkLog(record: ReadableLogRecord, problems: string[]): void {
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

export function checkMetric(metric: MetricData, catalogue: Record<string, SignalFact>, problems: string[]): void {
  const { name, unit } = metric.descriptor;
  if (!name.startsWith('gen_ai.') && !name.startsWith('mcp.')) return;
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

export /** Measurements so far per metric: histogram counts and counter sums. */
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

/** Every `gen_ai.*` name the runs so far emitted: attribute keys of spans, span events, log records and metric points; event and metric names. */
const emitted = new Set<string>();

function noteNames(sdk: MemorySdk, metrics: Iterable<MetricData>): void {
  const note = (name: string | undefined) => {
    if (name?.startsWith('gen_ai.') === true) emitted.add(name);
  };
  for (const span of sdk.spans()) {
    Object.keys(span.attributes).forEach(note);
    for (const event of span.events) {
      note(event.name);
      Object.keys(event.attributes ?? {}).forEach(note);
    }
  }
  for (const record of sdk.logs()) {
    note(record.eventName);
    Object.keys(record.attributes).forEach(note);
  }
  for (const metric of metrics) {
    note(metric.descriptor.name);
    for (const point of metric.dataPoints) Object.keys(point.attributes).forEach(note);
  }
}

/**
 * The `gen_ai.*` names emitted so far that the facts do not know (attributes, events, metrics of the pinned model or
 * the previous model's metrics, and the documented additions): genai-otel's own names belong under `genai_otel.`.
 */
export function namesOutsideTheFacts(): string[] {
  const known = new Set([
    ...Object.keys(facts.attributes),
    ...Object.keys(facts.additions.attributes),
    ...Object.keys(facts.events),
    ...Object.keys(facts.metrics),
    ...Object.keys(facts.previousMetrics),
  ]);
  return [...emitted].filter((name) => !known.has(name)).sort();
}

/** How many names the runs so far emitted under `gen_ai.` (a check that the name check saw something). */
export function emittedNameCount(): number {
  return emitted.size;
}

/**
 * Sets `env`, runs `emit` on a fresh in-memory SDK and checks every span, log record and metric it recorded against
 * the facts (`catalogue` names the metrics allowed).
 */
export async function runAndCheck(
  sdk: MemorySdk,
  emit: () => Promise<void>,
  env: Record<string, string | undefined>,
  catalogue: Record<string, SignalFact>,
): Promise<{ problems: string[]; spans: ReadableSpan[]; logs: ReadableLogRecord[] }> {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetGenAISettingsForTests();
  await sdk.reset();
  // Instruments made under an earlier mode stay registered (with their cumulative points): only the metrics this run
  // recorded into are checked.
  const before = measurementsByMetric(await sdk.collect());
  await emit();
  const problems: string[] = [];
  for (const span of sdk.spans()) checkSpan(span, problems);
  for (const record of sdk.logs()) checkLog(record, problems);
  const collected = await sdk.collect();
  const after = measurementsByMetric(collected);
  const recorded = [...collected.values()].filter(
    (metric) => after.get(metric.descriptor.name) !== before.get(metric.descriptor.name),
  );
  for (const metric of recorded) checkMetric(metric, catalogue, problems);
  noteNames(sdk, recorded);
  return { problems: [...new Set(problems)], spans: sdk.spans(), logs: sdk.logs() };
}
