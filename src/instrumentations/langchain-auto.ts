import type { Instrumentation } from '@opentelemetry/instrumentation';
import { context, type Context } from '@opentelemetry/api';
import { setActiveContextResolver } from '../context/agents-context.ts';
import { isObject } from '../attributes/safe-values.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { callerRunContext, GenAICallbackHandler, langChainActiveContext } from './langchain.ts';

/** `@langchain/core` versions traced: 0.3 (still used by LangGraph 0.x apps) and the 1.x line, current in December 2026. */
export const LANGCHAIN_SUPPORTED_VERSIONS = ['>=0.3.0 <2'];
export const LANGCHAIN_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-langchain';

type Configure = (this: unknown, ...args: unknown[]) => unknown;
interface CallbackManagerClass {
  (...args: unknown[]): unknown;
  _configureSync?: Configure;
}
interface CallbackManagerLike {
  handlers?: unknown[];
  addHandler?: (handler: unknown, inherit?: boolean) => void;
}

/** The one handler the preload injects: it keeps no state of its own (the runs in progress are module-wide). */
let injected: GenAICallbackHandler | undefined;
let enabled = false;
const ORIGINAL = Symbol.for('genai-otel.langchain.configure');

/** shimmer marks what it wrapped: a prototype another hook (or a second load of the file) wrapped already is left as it is. */
const isWrapped = (value: unknown): boolean => (value as { __wrapped?: unknown }).__wrapped === true;

// LangChain's run storage: the code of a runnable (a RunnableLambda, a node) runs with its run's config in it, which is
// how genai-otel finds the run whose span the code's spans belong under.
const LANGCHAIN_STORAGE = Symbol.for('ls:tracing_async_local_storage');

/**
 * Sets up `@langchain/core`'s AsyncLocalStorage where nothing did, as `import '@langchain/core/context'` does (and
 * LangGraph, and LangSmith's tracing): without it, a model called inside a runnable's function has no run to nest under.
 */
function setUpRunStorage(): void {
  const global = globalThis as Record<symbol, unknown>;
  if (global[LANGCHAIN_STORAGE] !== undefined) return;
  const { AsyncLocalStorage } = process.getBuiltinModule('node:async_hooks');
  global[LANGCHAIN_STORAGE] = new AsyncLocalStorage();
}

/**
 * Adds genai-otel's handler to every callback manager LangChain configures, unless one is there already (a handler the
 * app passed by hand, by its name): every runnable, graph, chat model and tool run then reaches it with no code per call.
 *
 * LangChain's documented way to make a handler global, `registerConfigureHook`, keeps the hook in its
 * AsyncLocalStorage, in the async context that registers it: registered when the module loads, it would be missing
 * from contexts created before (a server's request handlers). The manager's configure step is where those hooks are
 * read, for every run, so that is where the handler is added.
 *
 * @example
 * injectHandler(require('@langchain/core/callbacks/manager'));
 */
export function injectHandler(moduleExports: unknown): void {
  const manager = (isObject(moduleExports) ? moduleExports.CallbackManager : undefined) as
    CallbackManagerClass | undefined;
  if (typeof manager !== 'function' || typeof manager._configureSync !== 'function') {
    errorOnce(
      'langchain:shape',
      'this version of @langchain/core has no CallbackManager._configureSync; pass GenAICallbackHandler by hand',
    );
    return;
  }
  enabled = true;
  setUpRunStorage();
  if (Object.prototype.hasOwnProperty.call(manager, ORIGINAL)) return;
  const original = manager._configureSync;
  Object.defineProperty(manager, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(manager, '_configureSync', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function _configureSync(this: unknown, ...args: unknown[]): unknown {
      const configured = original.apply(this, args) as CallbackManagerLike | undefined;
      if (!enabled) return configured;
      try {
        injected ??= new GenAICallbackHandler();
        // No handler at all: configured again with ours as the only one, so that the run gets the tags and metadata
        // (the model's `ls_provider`, LangGraph's node) LangChain gives a manager only when there is one.
        if (configured === undefined) return original.apply(this, [[injected], ...args.slice(1)]);
        const handlers = Array.isArray(configured.handlers) ? configured.handlers : [];
        if (handlers.some((handler) => isObject(handler) && handler.name === 'GenAICallbackHandler')) return configured;
        configured.addHandler?.(injected, true);
        return configured;
      } catch (error) {
        errorOnce(
          'langchain:inject',
          'could not add the genai-otel handler to a LangChain run; that run is not traced',
          error,
        );
        return configured;
      }
    },
  });
}

type Invoke = (this: unknown, input: unknown, options?: unknown) => unknown;

/**
 * Wraps `BaseChatModel.prototype.invoke` so that a model run as a step of a chain runs in its caller's context (the
 * chain's span): the LLM client's span, started inside, then joins the chain's trace. Anything else runs as before.
 */
export function invokeInCallerContext(original: Invoke): Invoke {
  return function invoke(this: unknown, input: unknown, options?: unknown): unknown {
    let parent;
    try {
      parent = enabled ? callerRunContext(options) : undefined;
    } catch (error) {
      errorOnce(
        'langchain:caller',
        'could not find the chain a LangChain model runs in; its call is traced alone',
        error,
      );
    }
    return parent === undefined
      ? original.call(this, input, options)
      : context.with(parent, () => original.call(this, input, options));
  };
}

type StreamIterator = (this: unknown, input: unknown, options?: unknown) => AsyncIterator<unknown>;

/** The same iterator, each step of it run in `parent`: an async generator's body runs in the context of `next()`. */
function iterateIn(iterator: AsyncIterator<unknown>, parent: Context): AsyncIterator<unknown> & AsyncIterable<unknown> {
  return {
    next: (...args: [] | [unknown]) => context.with(parent, () => iterator.next(...args)),
    return: (value?: unknown) =>
      context.with(parent, () =>
        typeof iterator.return === 'function' ? iterator.return(value) : Promise.resolve({ done: true, value }),
      ),
    throw: (error?: unknown) =>
      context.with(parent, () =>
        typeof iterator.throw === 'function' ? iterator.throw(error) : Promise.reject(error as Error),
      ),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Wraps `BaseChatModel.prototype._streamIterator` (what `.stream()` and a streamed chain's model step run) so that the
 * stream is read in its caller's context: LangChain iterates it with no config in its async-local storage, so the
 * LLM client's span, started inside, would otherwise begin a trace of its own.
 */
export function streamInCallerContext(original: StreamIterator): StreamIterator {
  return function _streamIterator(this: unknown, input: unknown, options?: unknown): AsyncIterator<unknown> {
    const iterator = original.call(this, input, options);
    let parent;
    try {
      parent = enabled ? callerRunContext(options) : undefined;
      if (parent !== undefined && isObject(iterator) && typeof iterator.next === 'function')
        return iterateIn(iterator, parent);
    } catch (error) {
      errorOnce(
        'langchain:caller',
        'could not find the chain a LangChain model runs in; its call is traced alone',
        error,
      );
    }
    return iterator;
  };
}

/**
 * The instrumentation of LangChain JS and LangGraph: when `@langchain/core`'s callback manager loads (CommonJS through
 * require-in-the-middle, ES modules through import-in-the-middle), genai-otel's handler joins every run and the code
 * of a run (a node, a tool) sees the run's span as the active context.
 */
export function createLangChainInstrumentation(): Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } =
    instrumentationBase();

  class LangChainInstrumentation extends InstrumentationBase {
    constructor() {
      super(LANGCHAIN_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      const onLoad = (moduleExports: unknown) => {
        try {
          injectHandler(moduleExports);
          setActiveContextResolver('langchain', langChainActiveContext);
        } catch (error) {
          errorOnce(
            'langchain:install',
            'could not add the genai-otel handler to LangChain; pass GenAICallbackHandler by hand',
            error,
          );
        }
        return moduleExports;
      };
      const onUnload = (moduleExports: unknown) => {
        enabled = false;
        setActiveContextResolver('langchain', undefined);
        return moduleExports;
      };
      const files = ['dist/callbacks/manager.cjs', 'dist/callbacks/manager.js'].map(
        (file) =>
          new InstrumentationNodeModuleFile(`@langchain/core/${file}`, LANGCHAIN_SUPPORTED_VERSIONS, onLoad, onUnload),
      );
      const onChatModels = (moduleExports: unknown) => {
        const chatModel = (isObject(moduleExports) ? moduleExports.BaseChatModel : undefined) as
          { prototype?: Record<string, unknown> } | undefined;
        const prototype = chatModel?.prototype;
        if (prototype !== undefined && typeof prototype.invoke === 'function' && !isWrapped(prototype.invoke))
          this._wrap(prototype, 'invoke', (original) => invokeInCallerContext(original as Invoke));
        if (
          prototype !== undefined &&
          typeof prototype._streamIterator === 'function' &&
          !isWrapped(prototype._streamIterator)
        )
          this._wrap(prototype, '_streamIterator', (original) => streamInCallerContext(original as StreamIterator));
        return moduleExports;
      };
      const offChatModels = (moduleExports: unknown) => {
        const chatModel = (isObject(moduleExports) ? moduleExports.BaseChatModel : undefined) as
          { prototype?: Record<string, unknown> } | undefined;
        if (chatModel?.prototype !== undefined) {
          this._unwrap(chatModel.prototype, 'invoke');
          this._unwrap(chatModel.prototype, '_streamIterator');
        }
        return moduleExports;
      };
      for (const file of ['dist/language_models/chat_models.cjs', 'dist/language_models/chat_models.js'])
        files.push(
          new InstrumentationNodeModuleFile(
            `@langchain/core/${file}`,
            LANGCHAIN_SUPPORTED_VERSIONS,
            onChatModels,
            offChatModels,
          ),
        );
      return [
        new InstrumentationNodeModuleDefinition(
          '@langchain/core',
          LANGCHAIN_SUPPORTED_VERSIONS,
          undefined,
          undefined,
          files,
        ),
      ];
    }
  }
  return new LangChainInstrumentation();
}
