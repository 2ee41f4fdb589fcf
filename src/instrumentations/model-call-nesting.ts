import { trace, type Context } from '@opentelemetry/api';
import { ATTR_GEN_AI_OPERATION_NAME, INSTRUMENTATION_SCOPE } from '../attributes/names.ts';
import { CountedResponses } from './counted-responses.ts';
import { OPENAI_INSTRUMENTATION_SCOPE } from './openai-call.ts';
import type { EndingSpan } from './span-facts.ts';

/** The GenAI operations that are one request to a model (the report's `LLM_OPERATIONS`). */
export const MODEL_OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'embeddings',
]);

/** Spans genai-otel makes itself or completes as its own (the official OpenAI instrumentation's). */
export function isOwnScope(scope: string): boolean {
  return scope === INSTRUMENTATION_SCOPE || scope.startsWith('genai-otel/') || scope === OPENAI_INSTRUMENTATION_SCOPE;
}

interface SpanLike {
  instrumentationScope?: { name?: unknown };
  attributes?: Record<string, unknown>;
}

function isOwnModelCall(span: SpanLike): boolean {
  const scope = span.instrumentationScope?.name;
  const operation = span.attributes?.[ATTR_GEN_AI_OPERATION_NAME];
  return (
    typeof scope === 'string' && isOwnScope(scope) && typeof operation === 'string' && MODEL_OPERATIONS.has(operation)
  );
}

/**
 * Which model-call spans describe a call that another span in the same process already counts. Two libraries can
 * describe one request: a framework's span (the AI SDK's `doGenerate`, Mastra's model generation) around the
 * provider client's span, or genai-otel's LangChain span around a client that traces itself. The rule:
 *
 * - genai-otel's own model-call spans always count;
 * - another library's model-call span does not count when a genai-otel model-call span encloses it, when a
 *   genai-otel model-call span started inside it, or when any model-call span inside it ended before it (the span
 *   nearest the wire, the provider-level one, counts);
 * - nor when a model-call span that counted carried the same provider response id and ran at the same time: a
 *   bridge of an agent framework (OpenInference's of the OpenAI Agents SDK) puts its span of the call beside the
 *   client's, not around it, and the client's ends first.
 *
 * Parents are remembered at start (a span's parent is only known then, as an object); attributes are read at end,
 * since some libraries (Mastra's bridge) set them all just before ending. The parent is kept on the span itself, under
 * a symbol exporters never read: a WeakMap entry per span cost about 0.4 µs of CPU per span (on a 1 µs span), this
 * about 0.05 µs.
 */
export class ModelCallNesting {
  private readonly enclosingACall = new WeakSet<object>();
  private readonly countedResponses = new CountedResponses();

  /**
   * Remembers the parent of a starting span, when it is a span of this process; a starting genai-otel model call
   * marks the spans around it at once, since it will count whenever it ends.
   */
  noteStart(span: object, parentContext: Context): void {
    const parent = sdkSpanOf(trace.getSpan(parentContext));
    if (parent === undefined) return;
    (span as Linked)[PARENT] = parent;
    // genai-otel's own calls always count, and may end after a span around them (OpenInference's ends first).
    if (isOwnModelCall(span)) this.noteModelCallEnding(span);
  }

  /** Marks every span around a model call that counts (ending, or genai-otel's starting), so that none counts it again. */
  noteModelCallEnding(span: object): void {
    for (let ancestor = parentOf(span); ancestor !== undefined; ancestor = parentOf(ancestor)) {
      if (this.enclosingACall.has(ancestor)) return;
      this.enclosingACall.add(ancestor);
    }
  }

  /** Remembers the response id of a model call that counted, for spans of the same call that are not nested with it. */
  noteCountedResponse(span: EndingSpan, responseId: string | undefined): void {
    if (responseId !== undefined) this.countedResponses.add(responseId, span.startTime, span.endTime);
  }

  /** How many response ids are remembered (bounded, see `CountedResponses`). */
  get rememberedResponses(): number {
    return this.countedResponses.size;
  }

  /** Whether another library's model-call span describes a call that another span counts (see the rule above). */
  countedElsewhere(span: EndingSpan, responseId?: string): boolean {
    if (this.enclosingACall.has(span)) return true;
    if (responseId !== undefined && this.countedResponses.overlaps(responseId, span.startTime, span.endTime))
      return true;
    for (let ancestor = parentOf(span); ancestor !== undefined; ancestor = parentOf(ancestor)) {
      if (isOwnModelCall(ancestor)) return true;
    }
    return false;
  }
}

/**
 * The SDK span behind a span in a context: the span itself, or the one a wrapper holds as `span` (OpenInference's
 * instrumentations put an `OISpan` around the SDK's span in the context they run the call in).
 */
function sdkSpanOf(span: object | undefined): SpanLike | undefined {
  if (span === undefined) return undefined;
  if ((span as SpanLike).instrumentationScope !== undefined) return span;
  const inner = (span as { span?: unknown }).span;
  return typeof inner === 'object' && inner !== null && (inner as SpanLike).instrumentationScope !== undefined
    ? inner
    : undefined;
}

const PARENT = Symbol('genai-otel.parent-span');
type Linked = { [PARENT]?: SpanLike };
const parentOf = (span: object): SpanLike | undefined => (span as Linked)[PARENT];
