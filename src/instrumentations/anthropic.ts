import { context, createContextKey } from '@opentelemetry/api';
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { runLLMCall } from '../genai/llm.ts';
import { isObject } from '../attributes/safe-values.ts';
import type { ChatMessage, LLMRequest, MessagePart } from '../genai/llm-types.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { clientProvider } from '../genai/provider-hosts.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { wrapRetryRequest, wrapShouldRetry } from './client-retries.ts';

/** `@anthropic-ai/sdk` versions this instrumentation patches: the 0.x line (widely used) and the current 1.x. */
export const ANTHROPIC_SUPPORTED_VERSIONS = ['>=0.27.0 <2'];
export const ANTHROPIC_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-anthropic';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
interface MessagesResource {
  _client?: { baseURL?: unknown; _tracer?: unknown };
}

const IN_TRACED_CALL = createContextKey('genai-otel.anthropic.in-traced-call');

function systemParts(system: unknown): string | MessagePart[] | undefined {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return undefined;
  return system.map((block): MessagePart =>
    isObject(block) && typeof block.text === 'string' ? { type: 'text', content: block.text } : { type: 'unknown' },
  );
}

/** The `withLLMCall` request an Anthropic `messages.create()` body describes. */
export function anthropicRequestOf(params: unknown, baseURL: unknown, provider = 'anthropic'): LLMRequest {
  const body = isObject(params) ? params : {};
  return {
    provider,
    model: body.model as string,
    maxTokens: body.max_tokens as number | undefined,
    temperature: body.temperature as number | undefined,
    topP: body.top_p as number | undefined,
    topK: body.top_k as number | undefined,
    stopSequences: body.stop_sequences as string[] | undefined,
    stream: body.stream === true ? true : undefined,
    messages: Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : undefined,
    systemInstructions: systemParts(body.system),
    tools: Array.isArray(body.tools) ? body.tools : undefined,
    serverAddress: typeof baseURL === 'string' ? baseURL : undefined,
  };
}

/**
 * Since 1.0 the Anthropic SDK traces its own API calls (scope `com.anthropic.sdk.typescript`, span
 * `anthropic.messages.create`), starting that span synchronously when the call is made, and only when the client has
 * a tracer. The calls genai-otel traces already get a `chat {model}` span with everything that span has and more, so
 * the SDK's tracer is held back for the synchronous part of those calls only: one LLM span per call, not two.
 */
function withoutSdkSpans<R>(client: MessagesResource['_client'], run: () => R): R {
  if (!isObject(client) || !Object.prototype.hasOwnProperty.call(client, '_tracer') || client._tracer === undefined)
    return run();
  const tracer = client._tracer;
  client._tracer = undefined;
  try {
    return run();
  } finally {
    client._tracer = tracer;
  }
}

/** Wraps `Messages.prototype.create` (or one client's): each call becomes one `chat {model}` LLM span. */
export function tracedMessagesCreate(original: AnyFunction, isEnabled: () => boolean = () => true): AnyFunction {
  return function tracedCreate(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled() || context.active().getValue(IN_TRACED_CALL) === true) return original.apply(this, args);
    const resource = this as MessagesResource;
    let request: LLMRequest;
    try {
      request = anthropicRequestOf(args[0], resource?._client?.baseURL, clientProvider(resource?._client));
    } catch (error) {
      errorOnce('anthropic:request', 'could not read an Anthropic request; the call runs untraced', error);
      return original.apply(this, args);
    }
    const inner = function (this: unknown, ...innerArgs: unknown[]): unknown {
      return context.with(context.active().setValue(IN_TRACED_CALL, true), () => original.apply(this, innerArgs));
    };
    return withoutSdkSpans(resource?._client, () => runLLMCall(request, inner, this, args, false));
  };
}

/** Wraps `Messages.prototype.stream`: its `create()` call makes the span, so only the SDK's own span is held back. */
export function messageStreamWithoutSdkSpans(
  original: AnyFunction,
  isEnabled: () => boolean = () => true,
): AnyFunction {
  return function streamWithOneSpan(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled()) return original.apply(this, args);
    return withoutSdkSpans((this as MessagesResource)?._client, () => original.apply(this, args));
  };
}

interface MessagesClass {
  prototype: Record<string, unknown>;
}
interface AnthropicExports {
  Anthropic?: { prototype: Record<string, unknown>; Messages?: MessagesClass; Beta?: { Messages?: MessagesClass } };
  default?: AnthropicExports['Anthropic'];
}

function anthropicClass(moduleExports: unknown): AnthropicExports['Anthropic'] {
  const exported = moduleExports as AnthropicExports;
  return exported?.Anthropic ?? exported?.default;
}

/**
 * The message resources whose calls are LLM calls: `messages` and `beta.messages` (the beta tool runner, `toolRunner()`,
 * makes its model calls through the latter).
 */
function messageResources(client: AnthropicExports['Anthropic']): Record<string, unknown>[] {
  const resources = [client?.Messages?.prototype, client?.Beta?.Messages?.prototype];
  return resources.filter((resource): resource is Record<string, unknown> => resource !== undefined);
}

/**
 * The instrumentation of `@anthropic-ai/sdk`, built on `@opentelemetry/instrumentation` (require-in-the-middle for
 * CommonJS, import-in-the-middle for ES modules). Loaded only when enabled.
 */
export function createAnthropicInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition } = instrumentationBase();

  class AnthropicInstrumentation extends InstrumentationBase {
    constructor() {
      super(ANTHROPIC_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      return [
        new InstrumentationNodeModuleDefinition(
          '@anthropic-ai/sdk',
          ANTHROPIC_SUPPORTED_VERSIONS,
          (moduleExports) => {
            const client = anthropicClass(moduleExports);
            const messages = client?.Messages?.prototype;
            if (client === undefined || messages === undefined) {
              errorOnce(
                'anthropic:shape',
                'this version of @anthropic-ai/sdk has no Anthropic.Messages; its calls are not traced',
              );
              return moduleExports;
            }
            const enabled = () => this.isEnabled();
            for (const resource of messageResources(client)) {
              if (typeof resource.create === 'function')
                this._wrap(resource, 'create', (original) => tracedMessagesCreate(original as AnyFunction, enabled));
              if (typeof resource.stream === 'function')
                this._wrap(resource, 'stream', (original) =>
                  messageStreamWithoutSdkSpans(original as AnyFunction, enabled),
                );
            }
            if (typeof client.prototype.shouldRetry === 'function')
              this._wrap(client.prototype, 'shouldRetry', wrapShouldRetry as never);
            if (typeof client.prototype.retryRequest === 'function')
              this._wrap(client.prototype, 'retryRequest', wrapRetryRequest as never);
            return moduleExports;
          },
          (moduleExports) => {
            const client = anthropicClass(moduleExports);
            if (client?.Messages === undefined) return;
            for (const resource of messageResources(client)) {
              this._unwrap(resource, 'create');
              this._unwrap(resource, 'stream');
            }
            this._unwrap(client.prototype, 'shouldRetry');
            this._unwrap(client.prototype, 'retryRequest');
          },
        ),
      ];
    }
  }
  return new AnthropicInstrumentation();
}
