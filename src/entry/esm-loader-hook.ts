import type { MessagePort } from 'node:worker_threads';
import { applicationApi } from '../core/loaders.ts';

type Announcement = unknown;

/**
 * Installs import-in-the-middle's ES module loader hook when the first module to patch is announced (an
 * instrumentation's `Hook()`, in the preload or later in the app), not at start: until then no hook code is loaded
 * and module loading runs as without it. Announcements are forwarded to the hook once it is installed, and each is
 * acknowledged only after the hook has taken it, so the preload's wait for acknowledgements still holds the app back
 * until the modules its instrumentations patch are covered.
 *
 * `announcements` is the `addHookMessagePort` of import-in-the-middle's `createAddHookMessageChannel()`.
 *
 * @example
 * const channel = createAddHookMessageChannel();
 * installLoaderHookOnDemand(channel.addHookMessagePort, import.meta.url);
 * start(); // instrumentations announce the modules they hook
 * await channel.waitForAllMessagesAcknowledged();
 */
export function installLoaderHookOnDemand(announcements: MessagePort, parentURL: string): void {
  let toHook: Promise<MessagePort | undefined> | undefined;
  announcements
    .on('message', (modules: Announcement) => {
      toHook ??= installLoaderHook(announcements, parentURL);
      // Same promise for every announcement: they reach the hook in the order they were sent.
      void toHook.then((port) => {
        if (port === undefined)
          announcements.postMessage('ack'); // no hook: do not hold the app back
        else port.postMessage(modules);
      });
    })
    // The app's end is not held up by a port waiting for announcements.
    .unref();
}

/**
 * Files inside packages that an instrumentation patches but that apps never import by name, only the package's own
 * modules do, by relative path: the loader wraps a module only when its specifier was announced, so these are listed
 * by URL. `@langchain/core`'s callback manager: where genai-otel's LangChain handler joins every run; its chat models'
 * module: where a model run as a chain's step gets the chain's context. `@mastra/core`'s
 * `mastra` entry, which apps import by its subpath (`@mastra/core/mastra`): where the `Mastra` class is exported.
 */
const INTERNAL_FILES: RegExp[] = [
  /\/node_modules\/@langchain\/core\/dist\/callbacks\/manager\.js$/,
  /\/node_modules\/@langchain\/core\/dist\/language_models\/chat_models\.js$/,
  /\/node_modules\/@mastra\/core\/dist\/mastra\/index\.js$/,
];

/** The hook's end of a channel whose acknowledgements are passed on to `announcements`; undefined if it failed. */
async function installLoaderHook(announcements: MessagePort, parentURL: string): Promise<MessagePort | undefined> {
  try {
    // Taken, not imported, as in core/loaders.ts.
    const { MessageChannel } = process.getBuiltinModule('node:worker_threads');
    const { port1: toHook, port2: hookSide } = new MessageChannel();
    toHook.on('message', () => announcements.postMessage('ack')).unref();
    const data = { addHookMessagePort: hookSide, include: [...INTERNAL_FILES] };
    const inThread = await import('import-in-the-middle/register-hooks.mjs');
    // In-thread hooks (module.registerHooks) where this Node runs them correctly: no loader thread to start, no
    // message round-trip per module. Elsewhere the loader thread of module.register().
    if (inThread.supportsSyncHooks()) inThread.register(data);
    else
      process
        .getBuiltinModule('node:module')
        .register('import-in-the-middle/hook.mjs', parentURL, { data, transferList: [hookSide] });
    return toHook;
  } catch (error) {
    // The SDK bundle has loaded the API already (CommonJS); its diagnostic logger is the one start() set up.
    applicationApi().diag.error(
      'genai-otel: could not install the ES module loader hook; ES modules are not instrumented',
      error,
    );
    return undefined;
  }
}
