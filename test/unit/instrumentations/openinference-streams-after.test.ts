// Streamed openai calls with OpenInference's openai instrumentation registered AFTER genai-otel's (OpenInference's
// wrapper goes around genai-otel's and tees the stream it gets): see test/support/openinference-stream-cases.ts.
import { openInferenceStreamCases } from '../../support/openinference-stream-cases.ts';

await openInferenceStreamCases('genai-otel first');
