import type { Attributes } from '@opentelemetry/api';
import { warnOnce } from '../core/diagnostics.ts';
import type { TokenUsage } from '../genai/llm-types.ts';

// OpenInference's attribute names (Arize-ai/openinference spec/semantic_conventions.md, and
// @arizeai/openinference-semantic-conventions 2.x): its instrumentations (openai, anthropic, langchain, bedrock, mcp,
// openai-agents, beeai, ...) describe a model call with these, not with the GenAI conventions.
export const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
const LLM_PROVIDER = 'llm.provider';
const LLM_SYSTEM = 'llm.system';
const LLM_MODEL_NAME = 'llm.model_name';
const LLM_REQUEST_MODEL_NAME = 'llm.request.model_name';
const LLM_RESPONSE_MODEL_NAME = 'llm.response.model_name';
const EMBEDDING_MODEL_NAME = 'embedding.model_name';
const LLM_INVOCATION_PARAMETERS = 'llm.invocation_parameters';
const LLM_FINISH_REASON = 'llm.finish_reason';
const OUTPUT_VALUE = 'output.value';
const TOKEN_COUNT_PROMPT = 'llm.token_count.prompt';
const TOKEN_COUNT_COMPLETION = 'llm.token_count.completion';
const TOKEN_COUNT_CACHE_READ = 'llm.token_count.prompt_details.cache_read';
const TOKEN_COUNT_CACHE_WRITE = 'llm.token_count.prompt_details.cache_write';
const TOKEN_COUNT_REASONING = 'llm.token_count.completion_details.reasoning';

const TOOL_NAME = 'tool.name';
const AGENT_NAME = 'agent.name';
const GRAPH_NODE_ID = 'graph.node.id';
/** Longer tool and agent names are left out (genai-otel's own spans keep names up to this length too). */
const MAX_STEP_NAME_LENGTH = 1024;

/** The span kinds that are one request to a model, as the GenAI operation they are. */
const OPERATION_OF_KIND: Record<string, string> = { LLM: 'chat', EMBEDDING: 'embeddings' };

/**
 * `llm.provider` (who hosts the model) values in the GenAI conventions' `gen_ai.provider.name` terms; values not
 * listed are taken as they are (lowercase), as OpenInference and the conventions share most names.
 */
const PROVIDER_NAMES: Record<string, string> = {
  azure: 'azure.ai.openai',
  aws: 'aws.bedrock',
  google: 'gcp.gemini',
  mistralai: 'mistral_ai',
  xai: 'x_ai',
  moonshot: 'moonshot_ai',
};
/** `llm.system` (the model family's product) values, read when `llm.provider` is missing. */
const SYSTEM_NAMES: Record<string, string> = {
  ...PROVIDER_NAMES,
  vertexai: 'gcp.vertex_ai',
  amazon: 'aws.bedrock',
};
const PROVIDER_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Longer model names are not model names: left out rather than made a metric attribute. */
const MAX_MODEL_LENGTH = 256;
/** `llm.invocation_parameters` is read only up to this size (it is JSON; parsing is linear, but is done per call). */
const MAX_PARAMETERS_LENGTH = 16 * 1024;
const MAX_RESPONSE_ID_LENGTH = 256;
const RESPONSE_ID_PREFIX = '{"id":"';

/** What an OpenInference model-call span says of its call, in genai-otel's terms. */
export interface OpenInferenceCall {
  operation: string;
  provider: string;
  requestModel?: string;
  responseModel?: string;
  usage: TokenUsage;
  responseId?: string;
  finishReasons?: string[];
  /** The request asked for a stream (`stream: true` among its invocation parameters). */
  streamed: boolean;
}

/** The GenAI operation of an OpenInference span that is one model call (`LLM` → chat, `EMBEDDING` → embeddings). */
export function openInferenceOperation(attributes: Attributes): string | undefined {
  const kind = attributes[OPENINFERENCE_SPAN_KIND];
  return typeof kind === 'string' ? OPERATION_OF_KIND[kind] : undefined;
}

function warnBadValue(key: string, what: string): void {
  warnOnce(`openinference:${key}`, `an OpenInference span's ${key} is not ${what}; it was left out`);
}

/** A token count: a finite number ≥ 0. Anything else present is left out, and said once. */
function tokenCount(attributes: Attributes, key: string): number | undefined {
  const value = attributes[key];
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  warnBadValue(key, 'a token count');
  return undefined;
}

function nameAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && value.length <= MAX_MODEL_LENGTH) return value;
  warnBadValue(key, `a name of at most ${MAX_MODEL_LENGTH} characters`);
  return undefined;
}

function providerName(value: string | undefined, names: Record<string, string>): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  return names[lower] ?? (PROVIDER_PATTERN.test(lower) ? lower : undefined);
}

/** `llm.provider` first (Azure hosting OpenAI's models is `azure`), then `llm.system`; `_OTHER` when neither says. */
function providerOf(attributes: Attributes): string {
  const system = nameAttribute(attributes, LLM_SYSTEM);
  const hosted = providerName(nameAttribute(attributes, LLM_PROVIDER), PROVIDER_NAMES);
  // Google hosts Gemini twice: the Gemini API, and Vertex AI (which OpenInference tells by the system).
  if (hosted === 'gcp.gemini' && system?.toLowerCase() === 'vertexai') return 'gcp.vertex_ai';
  return hosted ?? providerName(system, SYSTEM_NAMES) ?? '_OTHER';
}

/** The parameters object of the call (`llm.invocation_parameters`, JSON text), when it is one of a sane size. */
function invocationParameters(attributes: Attributes): Record<string, unknown> | undefined {
  const text = attributes[LLM_INVOCATION_PARAMETERS];
  if (typeof text !== 'string' || text.length > MAX_PARAMETERS_LENGTH || !text.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const shortString = (value: unknown, limit: number): string | undefined =>
  typeof value === 'string' && value !== '' && value.length <= limit ? value : undefined;

/**
 * The provider's response id, which OpenInference has no attribute for: the OpenAI Agents bridge puts the response
 * (without its output) in `llm.invocation_parameters`; the client instrumentations put the whole response in
 * `output.value`, whose JSON starts with its id. Only that prefix is read, so a long output costs nothing.
 */
function responseIdOf(attributes: Attributes, parameters: Record<string, unknown> | undefined): string | undefined {
  const fromParameters = shortString(parameters?.id, MAX_RESPONSE_ID_LENGTH);
  if (fromParameters !== undefined) return fromParameters;
  const output = attributes[OUTPUT_VALUE];
  if (typeof output !== 'string' || !output.startsWith(RESPONSE_ID_PREFIX)) return undefined;
  const end = output.indexOf('"', RESPONSE_ID_PREFIX.length);
  if (end < 0 || end - RESPONSE_ID_PREFIX.length > MAX_RESPONSE_ID_LENGTH) return undefined;
  return shortString(output.slice(RESPONSE_ID_PREFIX.length, end), MAX_RESPONSE_ID_LENGTH);
}

/**
 * Reads an OpenInference model-call span (see `openInferenceOperation`) in genai-otel's terms: the provider in the
 * conventions' names, the requested and answering models, token usage (`llm.token_count.prompt` counts cached
 * tokens too, as `gen_ai.usage.input_tokens` does), the response id and finish reason. Values of the wrong type or
 * size are left out and reported once per attribute.
 *
 * @example
 * const call = readOpenInferenceCall({ 'openinference.span.kind': 'LLM', 'llm.system': 'openai', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 10 });
 * // { operation: 'chat', provider: 'openai', requestModel: 'gpt-4o', usage: { inputTokens: 10, ... }, ... }
 */
export function readOpenInferenceCall(attributes: Attributes): OpenInferenceCall | undefined {
  const operation = openInferenceOperation(attributes);
  if (operation === undefined) return undefined;
  const parameters = invocationParameters(attributes);
  const modelName =
    operation === 'embeddings'
      ? (nameAttribute(attributes, EMBEDDING_MODEL_NAME) ?? nameAttribute(attributes, LLM_MODEL_NAME))
      : nameAttribute(attributes, LLM_MODEL_NAME);
  const finishReason = nameAttribute(attributes, LLM_FINISH_REASON);
  return {
    operation,
    provider: providerOf(attributes),
    requestModel:
      nameAttribute(attributes, LLM_REQUEST_MODEL_NAME) ??
      shortString(parameters?.model, MAX_MODEL_LENGTH) ??
      modelName,
    responseModel: nameAttribute(attributes, LLM_RESPONSE_MODEL_NAME) ?? modelName,
    usage: {
      inputTokens: tokenCount(attributes, TOKEN_COUNT_PROMPT),
      outputTokens: tokenCount(attributes, TOKEN_COUNT_COMPLETION),
      cacheReadInputTokens: tokenCount(attributes, TOKEN_COUNT_CACHE_READ),
      cacheWriteInputTokens: tokenCount(attributes, TOKEN_COUNT_CACHE_WRITE),
      reasoningOutputTokens: tokenCount(attributes, TOKEN_COUNT_REASONING),
    },
    responseId: responseIdOf(attributes, parameters),
    finishReasons: finishReason === undefined ? undefined : [finishReason],
    streamed: parameters?.stream === true,
  };
}

/** A step of an agent run an OpenInference span describes: a tool execution (`TOOL`) or an agent invocation (`AGENT`). */
export interface OpenInferenceStep {
  kind: 'tool' | 'agent';
  name?: string;
}

function stepName(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && value.length <= MAX_STEP_NAME_LENGTH) return value;
  warnBadValue(key, `a name of at most ${MAX_STEP_NAME_LENGTH} characters`);
  return undefined;
}

/**
 * Reads an OpenInference span that is a tool execution or an agent invocation, as the specification defines them:
 * `TOOL` (a function or external tool an LLM or agent invoked; named by `tool.name`) and `AGENT` (a reasoning block
 * acting on tools with an LLM's guidance; named by `agent.name`, else by `graph.node.id`, which the OpenAI Agents SDK
 * bridge sets to the agent's name). An `AGENT` span that names no agent is not read as one: the Agents SDK bridge
 * makes one for a whole run (the workflow, not an agent). `CHAIN` spans (glue between steps), `GUARDRAIL` and the other
 * kinds are no step. A name of the wrong type or over 1 024 characters is left out and said once.
 *
 * @example
 * readOpenInferenceStep({ 'openinference.span.kind': 'TOOL', 'tool.name': 'lookup_order' });
 * // { kind: 'tool', name: 'lookup_order' }
 */
export function readOpenInferenceStep(attributes: Attributes): OpenInferenceStep | undefined {
  const kind = attributes[OPENINFERENCE_SPAN_KIND];
  if (kind === 'TOOL') return { kind: 'tool', name: stepName(attributes, TOOL_NAME) };
  if (kind !== 'AGENT') return undefined;
  const name = stepName(attributes, AGENT_NAME) ?? stepName(attributes, GRAPH_NODE_ID);
  return name === undefined ? undefined : { kind: 'agent', name };
}
