// Setting up OpenTelemetry.
export { start, shutdown, forceFlush, getStatus, getExportHealth } from './sdk/sdk.ts';
export { wrapHandler } from './sdk/wrap-handler.ts';
export type { WrapHandlerOptions } from './sdk/wrap-handler.ts';
export type { ExportHealth, SignalCounts } from './export/health.ts';
export type { GenAIOtelStatus } from './core/state.ts';
export type { StartOptions, RedactOptions } from './config/start-options.ts';
export type * from './config/config-types.ts';

// Instrumenting GenAI code.
export { withLLMCall, traceLLM, currentLLMCall } from './genai/llm.ts';
export {
  withToolCall,
  traceTool,
  withMemoryOperation,
  traceMemory,
  withAgent,
  traceAgent,
  withWorkflow,
  traceWorkflow,
  withRetrieval,
  traceRetrieval,
  withSpan,
  traceSpan,
} from './genai/operations.ts';
export { costOfUsage } from './genai/cost/calculate.ts';
export { normalizeModelName } from './genai/cost/model-names.ts';
export type * from './genai/llm-types.ts';
export * as names from './attributes/names.ts';

// Automatic instrumentation of LLM client libraries.
export { instrument, type InstrumentOptions } from './instrumentations/instrument-client.ts';
export { LLMSpanProcessor } from './instrumentations/llm-span-processor.ts';
export type { LLMSpanProcessorOptions } from './instrumentations/llm-span-processor.ts';
export { GenAICallbackHandler } from './instrumentations/langchain.ts';
export type { GenAICallbackHandlerOptions } from './instrumentations/langchain.ts';
// Sessions, users, feedback and revisions.
export { withContext, setContext, getContext, contextMiddleware } from './context/with-context.ts';
export type { GenAIContext } from './context/scope.ts';
export { ContextSpanProcessor, ContextLogRecordProcessor } from './context/processors.ts';
export { ContextBaggagePropagator } from './context/baggage-propagator.ts';
export { recordFeedback } from './feedback/record-feedback.ts';
export type { Feedback } from './feedback/record-feedback.ts';
export { answerRef } from './genai/span-ref.ts';
export type { SpanRef, AnswerTarget } from './genai/span-ref.ts';
export { withRevision, recordRevision } from './sessions/revisions.ts';
export type { Revision, RevisionType } from './sessions/revisions.ts';
export { summarizeSessions } from './sessions/summarize.ts';
export type { SessionSummary, TelemetrySpan, TelemetryLog } from './sessions/summarize.ts';
export { describeAgent } from './agents/describe-agent.ts';
export type { AgentDescription } from './agents/describe-agent.ts';
export { recordDecision } from './agents/record-decision.ts';
export type { Decision } from './agents/record-decision.ts';

// Events and logs.
export { defineEvent } from './events/define-event.ts';
export type { EventEmitter } from './events/define-event.ts';
export type { EventSchema, EventPayload, FieldSpec, FieldType, StandardSchema } from './events/schema.ts';
export { getLogger } from './logs/logger.ts';
export type { StructuredLogger, LogFields } from './logs/logger.ts';

// Privacy: the same redaction for exporters you assemble yourself, and for your own text.
export { redactingSpanExporter, redactingLogRecordExporter, redactText } from './privacy/api.ts';
export type { PrivacyOptions } from './privacy/api.ts';
export type { RedactionGroupName, RedactionRuleName } from './config/redaction-rule-names.ts';
