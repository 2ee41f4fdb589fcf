// Setting up OpenTelemetry.
export { start, shutdown, forceFlush, getStatus, getExportHealth } from './sdk/sdk.ts';
export type { ExportHealth, SignalCounts } from './export/health.ts';
export type { GenAIOtelStatus } from './sdk/sdk.ts';
export type { StartOptions } from './config/options.ts';
export type * from './config/types.ts';

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
export type * from './genai/types.ts';
export * as names from './genai/names.ts';

// Automatic instrumentation of LLM client libraries.
export { instrument } from './instrumentations/instrument-client.ts';
export { GenAICallbackHandler } from './instrumentations/langchain.ts';
export type { GenAICallbackHandlerOptions } from './instrumentations/langchain.ts';
