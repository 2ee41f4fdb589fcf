import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  ATTR_GENAI_OTEL_CALL_DUPLICATE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_RESPONSE_ID,
} from '../attributes/names.ts';
import { errorOnce } from '../core/diagnostics.ts';
import {
  AI_SDK_GENAI_SCOPE,
  AI_SDK_LEGACY_SCOPE,
  finishAiSdkSpan,
  isAiSdkModelCall,
  noteAiSdkSpanStart,
} from './ai-sdk.ts';
import { isOwnScope, MODEL_OPERATIONS, ModelCallNesting } from './model-call-nesting.ts';
import { finishOpenAISpan, OPENAI_INSTRUMENTATION_SCOPE } from './openai-call.ts';
import { dropMastraContent, MASTRA_BRIDGE_SCOPE } from './mastra.ts';
import { finishOthersSpan } from './others-spans.ts';
import { stringAttribute } from './span-facts.ts';

export interface LLMSpanProcessorOptions {
  openai: boolean;
  aiSdk: boolean;
  /** GenAI spans of any other library (Mastra, the Anthropic SDK's own, ...): cost and metrics, once. Default true. */
  others?: boolean;
}

/**
 * Completes the LLM spans that other code creates (the official OpenAI instrumentation, the Vercel AI SDK, and the
 * GenAI spans of any other library) while they end (`onEnding`, when a span can still be written): the conventions'
 * attributes they lack, cost, and genai-otel's metrics, recorded exactly as for `withLLMCall`, and once per model
 * call when two libraries describe the same call (see `ModelCallNesting`). It exports nothing and passes every
 * other span by.
 *
 * @example
 * // An SDK you assemble yourself: before the exporting processors, so that they export what it adds.
 * new TracerProvider({ spanProcessors: [new LLMSpanProcessor(), new BatchSpanProcessor(exporter)] });
 */
export class LLMSpanProcessor implements SpanProcessor {
  private readonly options: LLMSpanProcessorOptions;
  private readonly nesting = new ModelCallNesting();

  constructor(options: Partial<LLMSpanProcessorOptions> = {}) {
    this.options = { openai: true, aiSdk: true, others: true, ...options };
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      this.nesting.noteStart(span, parentContext);
      if (this.options.aiSdk && span.instrumentationScope.name === AI_SDK_GENAI_SCOPE)
        noteAiSdkSpanStart(span, parentContext);
    } catch (error) {
      errorOnce('llm-spans:start', 'could not follow a starting span', error);
    }
  }

  onEnding(span: Span): void {
    const scope = span.instrumentationScope.name;
    try {
      if (scope === OPENAI_INSTRUMENTATION_SCOPE) {
        if (this.options.openai) finishOpenAISpan(span);
        this.noteOwnModelCall(span);
      } else if (isOwnScope(scope)) {
        const operation = span.attributes[ATTR_GEN_AI_OPERATION_NAME];
        if (typeof operation === 'string' && MODEL_OPERATIONS.has(operation)) this.noteOwnModelCall(span);
      } else if (scope === AI_SDK_LEGACY_SCOPE || scope === AI_SDK_GENAI_SCOPE) {
        if (this.options.aiSdk) this.finishAiSdk(span);
      } else if (this.options.others !== false) {
        if (scope === MASTRA_BRIDGE_SCOPE) dropMastraContent(span);
        finishOthersSpan(span, this.nesting);
      }
    } catch (error) {
      errorOnce(`llm-spans:${scope}`, `could not complete a span of ${scope}`, error);
    }
  }

  /** genai-otel's own model calls always count: spans of the same call around or beside them do not. */
  private noteOwnModelCall(span: Span): void {
    this.nesting.noteModelCallEnding(span);
    this.nesting.noteCountedResponse(span, stringAttribute(span.attributes, ATTR_GEN_AI_RESPONSE_ID));
  }

  private finishAiSdk(span: Span): void {
    if (!isAiSdkModelCall(span)) {
      finishAiSdkSpan(span);
      return;
    }
    if (this.nesting.countedElsewhere(span)) span.setAttribute(ATTR_GENAI_OTEL_CALL_DUPLICATE, true);
    else finishAiSdkSpan(span);
    this.nesting.noteModelCallEnding(span);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
