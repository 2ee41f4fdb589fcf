import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { errorOnce } from '../core/diagnostics.ts';
import { AI_SDK_GENAI_SCOPE, AI_SDK_LEGACY_SCOPE, finishAiSdkSpan, noteAiSdkSpanStart } from './ai-sdk.ts';
import { finishOpenAISpan, OPENAI_INSTRUMENTATION_SCOPE } from './openai-call.ts';

export interface LLMSpanProcessorOptions {
  openai: boolean;
  aiSdk: boolean;
}

/**
 * Completes the LLM spans that other code creates (the official OpenAI instrumentation, the Vercel AI SDK) while they
 * end (`onEnding`, when a span can still be written): the conventions' attributes they lack, cost, and genai-otel's
 * metrics, recorded exactly as for `withLLMCall`. It exports nothing and passes every other span by.
 *
 * @example
 * new TracerProvider({ spanProcessors: [new LLMSpanProcessor({ openai: true, aiSdk: true }), exporting] });
 */
export class LLMSpanProcessor implements SpanProcessor {
  private readonly options: LLMSpanProcessorOptions;

  constructor(options: LLMSpanProcessorOptions) {
    this.options = options;
  }

  onStart(span: Span, parentContext: Context): void {
    if (!this.options.aiSdk || span.instrumentationScope.name !== AI_SDK_GENAI_SCOPE) return;
    try {
      noteAiSdkSpanStart(span, parentContext);
    } catch (error) {
      errorOnce('llm-spans:start', 'could not follow an AI SDK span', error);
    }
  }

  onEnding(span: Span): void {
    const scope = span.instrumentationScope.name;
    try {
      if (scope === OPENAI_INSTRUMENTATION_SCOPE && this.options.openai) finishOpenAISpan(span);
      else if ((scope === AI_SDK_LEGACY_SCOPE || scope === AI_SDK_GENAI_SCOPE) && this.options.aiSdk)
        finishAiSdkSpan(span);
    } catch (error) {
      errorOnce(`llm-spans:${scope}`, `could not complete a span of ${scope}`, error);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
