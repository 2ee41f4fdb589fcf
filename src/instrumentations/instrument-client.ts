import { describeError, warnOnce } from '../core/diagnostics.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { isObject } from '../attributes/safe-values.ts';
import { setClientProvider } from '../genai/provider-hosts.ts';
import { messageStreamWithoutSdkSpans, tracedMessagesCreate } from './anthropic.ts';
import { wrapRetryRequest, wrapShouldRetry } from './client-retries.ts';
import { wrapRunTools } from './openai-run-tools.ts';
import { createOpenAIInstrumentation, type OpenAIPatches } from './openai.ts';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type Resource = Record<string, unknown> | undefined;

const INSTRUMENTED = Symbol.for('genai-otel.instrumented-client');
let openAIPatches: OpenAIPatches | undefined;

/** Replaces `resource[name]` on that instance only; a method already patched globally is left alone (one span, not two). */
function wrapOwn(resource: Resource, name: string, wrapper: (original: AnyFunction) => AnyFunction): boolean {
  const original = resource?.[name];
  if (typeof original !== 'function' || (original as { __wrapped?: boolean }).__wrapped === true) return false;
  Object.defineProperty(resource, name, {
    configurable: true,
    writable: true,
    value: wrapper(original as AnyFunction),
  });
  return true;
}

function resourceOf(client: Record<string, unknown>, ...path: string[]): Resource {
  let value: unknown = client;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return isObject(value) ? value : undefined;
}

function wrapRetries(client: Record<string, unknown>): void {
  wrapOwn(client, 'shouldRetry', wrapShouldRetry as never);
  wrapOwn(client, 'retryRequest', wrapRetryRequest);
}

/** Options of `instrument(client, options)`. */
export interface InstrumentOptions {
  /**
   * `gen_ai.provider.name` of this client's calls, for an OpenAI-compatible server the host does not name (vLLM,
   * LM Studio, a gateway): `instrument(new OpenAI({ baseURL }), { provider: 'vllm' })`.
   */
  provider?: string;
}

/**
 * Traces the calls of one OpenAI or Anthropic client instance, with the same spans and metrics as the automatic
 * instrumentation, without patching anything globally: for ES module apps started without the preload, bundled apps
 * and Next.js. Returns the same client object. Calls of other clients are untouched; a client already traced by the
 * preload is not traced twice. Anything else is returned unchanged, with one diagnostic.
 *
 * @example
 * import OpenAI from 'openai';
 * import { instrument } from 'genai-otel';
 * const openai = instrument(new OpenAI());
 * const local = instrument(new OpenAI({ baseURL: 'http://localhost:8000/v1' }), { provider: 'vllm' });
 */
export function instrument<T>(client: T, options?: InstrumentOptions): T {
  if (!isObject(client)) {
    warnOnce(
      'instrument:not-a-client',
      'instrument(client): expected an OpenAI or Anthropic client instance; nothing was instrumented',
    );
    return client;
  }
  const target = client as unknown as Record<string | symbol, unknown>;
  const provider = isObject(options) ? options.provider : undefined;
  if (provider !== undefined) {
    // Also for a client the preload already traces: only its provider name changes.
    if (typeof provider === 'string' && provider !== '') setClientProvider(target, provider);
    else
      warnOnce('instrument:provider', 'instrument(client, { provider }): provider must be a non-empty string; ignored');
  }
  if (target[INSTRUMENTED] === true) return client;
  try {
    const messages = resourceOf(target, 'messages');
    const completions = resourceOf(target, 'chat', 'completions');
    if (typeof messages?.create === 'function') {
      wrapOwn(messages, 'create', (original) => tracedMessagesCreate(original));
      wrapOwn(messages, 'stream', (original) => messageStreamWithoutSdkSpans(original));
      // The beta tool runner (`beta.messages.toolRunner()`) makes its model calls through these.
      const betaMessages = resourceOf(target, 'beta', 'messages');
      wrapOwn(betaMessages, 'create', (original) => tracedMessagesCreate(original));
      wrapOwn(betaMessages, 'stream', (original) => messageStreamWithoutSdkSpans(original));
    } else if (typeof completions?.create === 'function') {
      openAIPatches ??= createOpenAIInstrumentation({
        captureContent: genaiSettings().captureContent,
        enabled: false,
      }).patches();
      wrapOwn(completions, 'create', openAIPatches.chatCompletionsCreate);
      wrapOwn(resourceOf(target, 'embeddings'), 'create', openAIPatches.embeddingsCreate);
      wrapOwn(resourceOf(target, 'responses'), 'create', openAIPatches.responsesCreate);
      wrapOwn(completions, 'runTools', wrapRunTools);
    } else {
      warnOnce(
        'instrument:unknown-client',
        'instrument(client): this object is neither an OpenAI client (chat.completions) nor an Anthropic client (messages); nothing was instrumented',
      );
      return client;
    }
    wrapRetries(target);
    Object.defineProperty(target, INSTRUMENTED, { value: true });
  } catch (error) {
    warnOnce(
      'instrument:failed',
      `instrument(client) could not instrument this client (${describeError(error)}); it works untraced`,
    );
  }
  return client;
}
