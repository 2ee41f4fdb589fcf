/**
 * Every attribute and metric name genai-otel emits. Names defined by the OpenTelemetry GenAI semantic conventions come
 * from `@opentelemetry/semantic-conventions/incubating` where that package still has them; names the conventions
 * define but the package lacks (they moved to open-telemetry/semantic-conventions-genai) are spelled here once;
 * genai-otel's own names live under `genai_otel.`.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';

// Vector stores (src/instrumentations/store-*.ts): the database conventions, stable except the returned row count.
export {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
  METRIC_DB_CLIENT_OPERATION_DURATION,
} from '@opentelemetry/semantic-conventions';
export {
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_AWS_BEDROCK_GUARDRAIL_ID,
} from '@opentelemetry/semantic-conventions/incubating';
/** `db.system.name` of the vector stores the database conventions do not list (custom values, lower case). */
export const DB_SYSTEM_NAME_VALUE_PINECONE = 'pinecone';
export const DB_SYSTEM_NAME_VALUE_QDRANT = 'qdrant';
export const DB_SYSTEM_NAME_VALUE_CHROMA = 'chroma';
export const DB_SYSTEM_NAME_VALUE_WEAVIATE = 'weaviate';
export {
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_ENCODING_FORMATS,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating';
/** Deprecated by `gen_ai.provider.name`; emitted only with OTEL_SEMCONV_STABILITY_OPT_IN asking for the previous names. */
export { ATTR_GEN_AI_SYSTEM } from '@opentelemetry/semantic-conventions/incubating';
export {
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
} from '@opentelemetry/semantic-conventions/incubating';

// Model Context Protocol (src/instrumentations/mcp*.ts): the MCP conventions, from the same package.
export {
  ATTR_NETWORK_TRANSPORT,
  NETWORK_TRANSPORT_VALUE_PIPE,
  NETWORK_TRANSPORT_VALUE_TCP,
} from '@opentelemetry/semantic-conventions';
export {
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
} from '@opentelemetry/semantic-conventions/incubating';
/** `error.type` of a `tools/call` whose result has `isError: true`, as the MCP conventions name it. */
export const MCP_ERROR_TYPE_TOOL_ERROR = 'tool_error';

// Defined by the GenAI conventions (semantic-conventions-genai) but absent from @opentelemetry/semantic-conventions 1.45.
/** Renamed from `gen_ai.usage.cache_creation.input_tokens` in the newest conventions. */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
/** The retrieval span's number of documents asked for (the conventions moved it off `gen_ai.request.top_k`). */
export const ATTR_GEN_AI_RETRIEVAL_TOP_K = 'gen_ai.retrieval.top_k';
export const ATTR_GEN_AI_MEMORY_STORE_ID = 'gen_ai.memory.store.id';
export const ATTR_GEN_AI_MEMORY_RECORD_ID = 'gen_ai.memory.record.id';
export const ATTR_GEN_AI_MEMORY_RECORD_COUNT = 'gen_ai.memory.record.count';
export const ATTR_GEN_AI_MEMORY_QUERY_TEXT = 'gen_ai.memory.query.text';
export const ATTR_GEN_AI_MEMORY_RECORDS = 'gen_ai.memory.records';
export const METRIC_GEN_AI_EXECUTE_TOOL_DURATION = 'gen_ai.execute_tool.duration';
export const METRIC_GEN_AI_INVOKE_AGENT_DURATION = 'gen_ai.invoke_agent.duration';
export const METRIC_GEN_AI_INVOKE_WORKFLOW_DURATION = 'gen_ai.invoke_workflow.duration';
// The pinned conventions' inference metrics (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental, the default);
// the previous names (METRIC_GEN_AI_CLIENT_OPERATION_*, METRIC_GEN_AI_CLIENT_TOKEN_USAGE) come from the package above.
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK = 'gen_ai.client.inference.time_to_first_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.inference.time_per_output_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS = 'gen_ai.client.inference.usage.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS = 'gen_ai.client.inference.usage.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_read.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS =
  'gen_ai.client.inference.usage.cache_write.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS =
  'gen_ai.client.inference.usage.reasoning.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS = 'gen_ai.client.inference.operation.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS = 'gen_ai.client.inference.operation.output_tokens';
/** Required on the token counters; `unknown` when the provider does not split its counts by modality. */
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality';
/** The log event of a failed GenAI client operation (severity WARN), beside the span's `exception` event. */
export const EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION = 'gen_ai.client.operation.exception';
export const GEN_AI_TOKEN_MODALITY_VALUE_UNKNOWN = 'unknown';

// genai-otel's own names: the conventions define no cost, retry, error-count or memory metric.
export const ATTR_GENAI_OTEL_COST_USD = 'genai_otel.cost.usd';
export const ATTR_GENAI_OTEL_COST_UNKNOWN_MODEL = 'genai_otel.cost.unknown_model';
export const ATTR_GENAI_OTEL_RETRY_COUNT = 'genai_otel.retry.count';
export const ATTR_GENAI_OTEL_RETRY_REASON = 'genai_otel.retry.reason';
/** false when a streamed response ended without the provider reporting token usage: the counts are missing, not zero. */
export const ATTR_GENAI_OTEL_USAGE_REPORTED = 'genai_otel.usage.reported';
export const ATTR_GENAI_OTEL_STREAM_CHUNK_COUNT = 'genai_otel.stream.chunk_count';
/** How a stream ended when not read to its end: `abandoned` (timed out unread) or `cancelled` (consumer stopped early). */
export const ATTR_GENAI_OTEL_STREAM_END = 'genai_otel.stream.end';

export const METRIC_GENAI_OTEL_CLIENT_COST = 'genai_otel.client.cost';
export const METRIC_GENAI_OTEL_CLIENT_RETRIES = 'genai_otel.client.retries';
export const METRIC_GENAI_OTEL_CLIENT_ERRORS = 'genai_otel.client.errors';
export const METRIC_GENAI_OTEL_CLIENT_UNPRICED_CALLS = 'genai_otel.client.unpriced_calls';
export const METRIC_GENAI_OTEL_MEMORY_OPERATION_DURATION = 'genai_otel.memory.operation.duration';
/** Values dropped because redacting them failed (fail closed), by `genai_otel.redaction.signal` (traces, logs). */
export const METRIC_GENAI_OTEL_REDACTION_FAILURES = 'genai_otel.redaction.failures';
export const ATTR_GENAI_OTEL_REDACTION_SIGNAL = 'genai_otel.redaction.signal';
/**
 * Resource attribute set only by genai-otel's redacting exporters, naming the built-in rule set they applied
 * (`builtin-<hash>`); the bundled collector lets such telemetry skip its pattern safety net. Removed from any resource
 * that claims it otherwise.
 */
export const ATTR_GENAI_OTEL_REDACTION_RULESET = 'genai_otel.redaction.ruleset';

/**
 * true on another library's model-call span whose call a span nearer the provider (or genai-otel's own) already
 * counts: it gets no cost and feeds no metric, and `genai-otel report` counts the other span.
 */
export const ATTR_GENAI_OTEL_CALL_DUPLICATE = 'genai_otel.call.duplicate';

// Names of older GenAI conventions that other libraries still put on their spans: read; written only when
// OTEL_SEMCONV_STABILITY_OPT_IN asks for the previous model (gen_ai.system, cache_creation).
export const ATTR_GEN_AI_SYSTEM_DEPRECATED = 'gen_ai.system';
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS_DEPRECATED = 'gen_ai.usage.prompt_tokens';
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS_DEPRECATED = 'gen_ai.usage.completion_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_DEPRECATED = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_TOKENS_DEPRECATED = 'gen_ai.usage.reasoning_tokens';
export const ATTR_GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK_DEPRECATED = 'gen_ai.client.operation.time_to_first_chunk';
// Export health (src/export/health.ts): the exporter's own metrics, by signal and outcome or error kind.
export const METRIC_GENAI_OTEL_EXPORTER_ITEMS = 'genai_otel.exporter.items';
export const METRIC_GENAI_OTEL_EXPORTER_ERRORS = 'genai_otel.exporter.errors';
export const METRIC_GENAI_OTEL_SPOOL_SIZE = 'genai_otel.spool.size';
export const ATTR_GENAI_OTEL_SIGNAL = 'genai_otel.signal';
export const ATTR_GENAI_OTEL_EXPORT_OUTCOME = 'genai_otel.export.outcome';
export const ATTR_GENAI_OTEL_EXPORT_ERROR = 'genai_otel.export.error';

/** The scope name of every span and instrument genai-otel creates. */
export const INSTRUMENTATION_SCOPE = 'genai-otel';

// Sessions, users, feedback, revisions, decisions and log records (src/context, src/feedback, src/sessions, src/logs).
export { ATTR_SESSION_ID, ATTR_USER_ID } from '@opentelemetry/semantic-conventions/incubating';
export {
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
/** An id of the piece of content (document, ticket, page) the conversation is about. */
export const ATTR_GENAI_OTEL_CONTENT_ID = 'genai_otel.content.id';
/** The application logger's name, on records of loggers past the bound of distinct scopes (they share one scope). */
export const ATTR_GENAI_OTEL_LOGGER_NAME = 'genai_otel.logger.name';
/** The workload (route, task, feature) an LLM call serves; `workload_id` of request/response records. */
export const ATTR_GENAI_OTEL_WORKLOAD_ID = 'genai_otel.workload.id';
/** How an answer came to be: `initial`, `edited`, `reran`, `undone`, `cleared`. */
export const ATTR_GENAI_OTEL_REVISION_TYPE = 'genai_otel.revision.type';
/** 1 for the first answer, 2 for the first regeneration, ... */
export const ATTR_GENAI_OTEL_REVISION_ATTEMPT = 'genai_otel.revision.attempt';
export const ATTR_GENAI_OTEL_REVISION_FIRST_TRACE_ID = 'genai_otel.revision.first_trace_id';
export const ATTR_GENAI_OTEL_REVISION_FIRST_SPAN_ID = 'genai_otel.revision.first_span_id';
/** Names of the tools an agent was configured with (the definitions themselves are content). */
export const ATTR_GENAI_OTEL_AGENT_TOOLS = 'genai_otel.agent.tools';
/** SHA-256 of an agent's system instructions: identifies the prompt version without recording the prompt. */
export const ATTR_GENAI_OTEL_AGENT_INSTRUCTIONS_SHA256 = 'genai_otel.agent.instructions.sha256';
export const ATTR_GENAI_OTEL_DECISION_NAME = 'genai_otel.decision.name';
export const ATTR_GENAI_OTEL_DECISION_CHOICES = 'genai_otel.decision.choices';
export const ATTR_GENAI_OTEL_DECISION_SELECTED = 'genai_otel.decision.selected';
export const ATTR_GENAI_OTEL_DECISION_REASON = 'genai_otel.decision.reason';
export const GEN_AI_OPERATION_NAME_VALUE_CREATE_AGENT = 'create_agent';
/** The span event `recordDecision` adds to the active span. */
export const EVENT_GENAI_OTEL_DECISION = 'genai_otel.decision';
/** The log record of one LLM call for the data flywheel (GENAI_OTEL_LLM_LOGS). */
export const EVENT_GENAI_OTEL_LLM_REQUEST_RESPONSE = 'genai_otel.llm.request_response';
/** The span of an answer revision (regenerated, edited, undone, cleared). */
export const SPAN_GENAI_OTEL_ANSWER_REVISION = 'answer_revision';
export const METRIC_GENAI_OTEL_FEEDBACK_LIKES = 'genai_otel.feedback.likes';
export const METRIC_GENAI_OTEL_FEEDBACK_DISLIKES = 'genai_otel.feedback.dislikes';
export const METRIC_GENAI_OTEL_FEEDBACK_SCORE = 'genai_otel.feedback.score';
export const METRIC_GENAI_OTEL_DECISIONS = 'genai_otel.decisions';
export const METRIC_GENAI_OTEL_REVISIONS = 'genai_otel.answer.revisions';

// OpenAI Agents SDK runs (src/instrumentations/openai-agents*.ts). The pinned conventions have no guardrail names
// (semantic-conventions-genai#427 proposes some, not these): the guardrail result is an event of our own.
export const EVENT_GENAI_OTEL_GUARDRAIL_RESULT = 'genai_otel.guardrail.result';
export const ATTR_GENAI_OTEL_GUARDRAIL_NAME = 'genai_otel.guardrail.name';
export const ATTR_GENAI_OTEL_GUARDRAIL_RESULT_TYPE = 'genai_otel.guardrail.result.type';
export const ATTR_GENAI_OTEL_GUARDRAIL_RESULT_VALUE = 'genai_otel.guardrail.result.value';
/** The conventions have no handoff vocabulary: the agents a handoff goes from and to. */
export const ATTR_GENAI_OTEL_HANDOFF_FROM_AGENT = 'genai_otel.handoff.from_agent';
export const ATTR_GENAI_OTEL_HANDOFF_TO_AGENT = 'genai_otel.handoff.to_agent';

// LangGraph nodes (src/instrumentations/langchain.ts): the conventions have no graph-step vocabulary; the values are
// LangGraph's own run metadata (`langgraph_node`, `langgraph_step`, `langgraph_triggers`, `langgraph_path`).
export const ATTR_GENAI_OTEL_LANGGRAPH_NODE = 'genai_otel.langgraph.node';
export const ATTR_GENAI_OTEL_LANGGRAPH_STEP = 'genai_otel.langgraph.step';
export const ATTR_GENAI_OTEL_LANGGRAPH_TRIGGERS = 'genai_otel.langgraph.triggers';
export const ATTR_GENAI_OTEL_LANGGRAPH_PATH = 'genai_otel.langgraph.path';

// NestJS 12 controllers (src/instrumentations/nest-core-12.ts): the HTTP conventions, and the names the official
// @opentelemetry/instrumentation-nestjs-core gives Nest 4 to 11 (spelled there, not in the conventions), so that a
// trace reads the same on every Nest.
export { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE, ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';
export const ATTR_NESTJS_TYPE = 'nestjs.type';
export const ATTR_NESTJS_VERSION = 'nestjs.version';
export const ATTR_NESTJS_MODULE = 'nestjs.module';
export const ATTR_NESTJS_CONTROLLER = 'nestjs.controller';
export const ATTR_NESTJS_CALLBACK = 'nestjs.callback';
/** `component`, a name older than the conventions that the official instrumentation still sets (`@nestjs/core`). */
export const ATTR_COMPONENT = 'component';
