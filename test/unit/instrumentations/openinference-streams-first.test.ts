// Streamed openai calls with OpenInference's openai instrumentation registered BEFORE genai-otel's (genai-otel's
// wrapper goes around OpenInference's): see test/support/openinference-stream-cases.ts.
import { openInferenceStreamCases } from '../../support/openinference-stream-cases.ts';

await openInferenceStreamCases('openinference first');
