import { createNoopMeter, type MeterProvider, type Tracer } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { ContentCaptureMode } from '../config/config-types.ts';
import { openaiInstrumentation } from '../core/loaders.ts';
import { wrapRetryRequest, wrapShouldRetry } from './client-retries.ts';
import { composeOpenAIPatch } from './openai-call.ts';
import { keepingOthersWrappers } from './keep-others-wrappers.ts';
import { chatCreatePatch } from './openai-chat-create.ts';
import { wrapRunTools } from './openai-run-tools.ts';

/**
 * `openai` versions traced. The official instrumentation declares `>=4.19.0 <7`; openai 7.0.0 only raised the Node.js
 * floor to 22 (its changelog lists no API change), and the same patch points exist and are tested here, so 7.x is
 * added.
 */
export const OPENAI_SUPPORTED_VERSIONS = ['>=4.19.0 <8'];

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Patch = (original: AnyFunction) => AnyFunction;

/** The parts of the official instrumentation this layer builds on (private in its type declarations, public at run time). */
interface OfficialInternals extends Instrumentation {
  readonly tracer: Tracer;
  init(): InstrumentationNodeModuleDefinition[];
  _getPatchedChatCompletionsCreate(): Patch;
  _getPatchedEmbeddingsCreate(): Patch;
  _getPatchedResponsesCreate(): Patch;
  _createAPIPromiseRejectionHandler(...args: unknown[]): (error: unknown) => void;
  _wrap(target: object, name: string, wrapper: (original: never) => unknown): void;
  _unwrap(target: object, name: string): void;
  setLoggerProvider(provider: object): void;
  isEnabled(): boolean;
}

const NOOP_METER_PROVIDER: MeterProvider = { getMeter: () => createNoopMeter() };
/**
 * Takes the official instrumentation's log events: its chat calls emit the deprecated per-message events; genai-otel
 * emits `gen_ai.client.inference.operation.details` itself when content capture asks for events (openai-call.ts).
 */
const NOOP_LOGGER_PROVIDER = { getLogger: () => ({ emit: () => undefined, enabled: () => false }) };

const CAPTURE_CONTENT_VARIABLE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/** Runs `build` with `name` unset in process.env, then puts it back: nothing else runs in between (it is synchronous). */
function withoutEnvironmentVariable<T>(name: string, build: () => T): T {
  const had = Object.prototype.hasOwnProperty.call(process.env, name);
  const value = process.env[name];
  delete process.env[name];
  try {
    return build();
  } finally {
    if (had) process.env[name] = value;
  }
}

export interface OpenAIInstrumentationOptions {
  captureContent: ContentCaptureMode;
  /** For `instrument(client)`: patch nothing globally, only hand out the patches. */
  enabled?: boolean;
}

/** What `instrument(client)` needs from the instrumentation: the three patches, usable on one client's methods. */
export interface OpenAIPatches {
  chatCompletionsCreate: Patch;
  embeddingsCreate: Patch;
  responsesCreate: Patch;
}

interface OpenAIClass {
  prototype: Record<string, unknown>;
  Chat?: { Completions?: { prototype: Record<string, unknown> } };
}

interface OpenAIExports {
  OpenAI?: OpenAIClass;
  default?: OpenAIClass;
}

/** `Chat.Completions.prototype`, where `runTools()` lives since openai 5. */
function chatCompletionsOf(moduleExports: unknown): Record<string, unknown> | undefined {
  const client = (moduleExports as OpenAIExports).OpenAI ?? (moduleExports as OpenAIExports).default;
  return client?.Chat?.Completions?.prototype;
}

/**
 * The official `@opentelemetry/instrumentation-openai` with what genai-otel adds: openai 7, retries, streams that end
 * their span when they fail, stop early or idle, the client's own promise for streamed Responses calls, helpers that
 * parse the body once (contrib issue #3586), `runTools()` runs as agent and tool spans, and content as the
 * conventions' one `gen_ai.client.inference.operation.details` event instead of its deprecated per-message events. Spans are completed (cost, usage details, genai-otel metrics) by
 * the span processor; the official metrics are replaced by genai-otel's, recorded once with the same attributes as
 * `withLLMCall` (the official ones name the provider `gen_ai.system` on chat calls and miss streams not read to the end).
 */
export function createOpenAIInstrumentation(
  options: OpenAIInstrumentationOptions,
): Instrumentation & { patches(): OpenAIPatches } {
  const { OpenAIInstrumentation } = openaiInstrumentation();
  const Official = OpenAIInstrumentation as unknown as new (config: object) => OfficialInternals;

  class GenAIOpenAIInstrumentation extends Official {
    constructor(config: object) {
      super(config);
      // The base class's `_wrap` (an instance property) would remove another library's wrapper of the same method.
      this._wrap = keepingOthersWrappers(this._wrap);
    }

    override init(): InstrumentationNodeModuleDefinition[] {
      const definitions = super.init();
      for (const definition of definitions) {
        definition.supportedVersions = OPENAI_SUPPORTED_VERSIONS;
        const officialPatch = definition.patch;
        definition.patch = (moduleExports: unknown, version?: string) => {
          const patched = officialPatch === undefined ? moduleExports : officialPatch(moduleExports, version);
          const client = (moduleExports as OpenAIExports).OpenAI ?? (moduleExports as OpenAIExports).default;
          const proto = client?.prototype;
          if (proto !== undefined && typeof proto.shouldRetry === 'function')
            this._wrap(proto, 'shouldRetry', wrapShouldRetry);
          if (proto !== undefined && typeof proto.retryRequest === 'function')
            this._wrap(proto, 'retryRequest', wrapRetryRequest);
          const completions = chatCompletionsOf(moduleExports);
          if (completions !== undefined && typeof completions.runTools === 'function')
            this._wrap(completions, 'runTools', wrapRunTools);
          return patched;
        };
        const officialUnpatch = definition.unpatch;
        definition.unpatch = (moduleExports: unknown, version?: string) => {
          officialUnpatch?.(moduleExports, version);
          const proto = ((moduleExports as OpenAIExports).OpenAI ?? (moduleExports as OpenAIExports).default)
            ?.prototype;
          if (proto !== undefined) {
            this._unwrap(proto, 'shouldRetry');
            this._unwrap(proto, 'retryRequest');
          }
          const completions = chatCompletionsOf(moduleExports);
          if (completions !== undefined) this._unwrap(completions, 'runTools');
        };
      }
      return definitions;
    }

    override _getPatchedChatCompletionsCreate(): Patch {
      return chatCreatePatch(this, composeOpenAIPatch(super._getPatchedChatCompletionsCreate(), 'chat', 'iterator'));
    }

    override _getPatchedEmbeddingsCreate(): Patch {
      return composeOpenAIPatch(super._getPatchedEmbeddingsCreate(), 'embeddings', 'iterator');
    }

    override _getPatchedResponsesCreate(): Patch {
      // `iterator`, not the `Symbol.asyncIterator` the official patch wraps: that one calls `iterator`, and `tee()`
      // (another library's wrapper may tee the stream) calls `iterator` without it.
      return composeOpenAIPatch(super._getPatchedResponsesCreate(), 'chat', 'iterator');
    }

    /**
     * The official handler reads `error.constructor.name` and `error.message` unguarded, on a chain nobody awaits: a
     * rejection value whose getters throw (or a revoked proxy) would become an unhandled rejection that kills the
     * app. Guarded here; the call observer ends such a span itself with what can be read of the value.
     */
    override _createAPIPromiseRejectionHandler(...args: unknown[]): (error: unknown) => void {
      const official = super._createAPIPromiseRejectionHandler(...args);
      return (error) => {
        try {
          official(error);
        } catch {
          // The observer of the call records this failure (openai-call.ts).
        }
      };
    }

    /** Calls made through `instrument(client)` are traced although nothing was patched globally. */
    override isEnabled(): boolean {
      return options.enabled === false ? true : super.isEnabled();
    }

    patches(): OpenAIPatches {
      return {
        chatCompletionsCreate: this._getPatchedChatCompletionsCreate(),
        embeddingsCreate: this._getPatchedEmbeddingsCreate(),
        responsesCreate: this._getPatchedResponsesCreate(),
      };
    }
  }

  // Content capture is decided by genai-otel's setting alone, given here explicitly: the official constructor would
  // also read OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT as a boolean, warn at every start about the
  // convention's values (SPAN_AND_EVENT, ...) and override the setting with `true`/`false`.
  const instrumentation = withoutEnvironmentVariable(
    CAPTURE_CONTENT_VARIABLE,
    () => new GenAIOpenAIInstrumentation({ enabled: options.enabled ?? true, captureMessageContent: false }),
  );
  instrumentation.setMeterProvider(NOOP_METER_PROVIDER);
  instrumentation.setLoggerProvider(NOOP_LOGGER_PROVIDER);
  return instrumentation;
}
