import type { MessagePort } from 'node:worker_threads';
import { applicationApi, importInTheMiddleInThread, importInTheMiddleSupportsSyncHooks } from '../core/loaders.ts';
import { currentStatus } from '../core/state.ts';
import { PATCHED_WITHOUT_LOADER_HOOK } from '../instrumentations/http-servers.ts';

type Announcement = unknown;

export interface LoaderHookOptions {
  /**
   * Instrumentations were registered before genai-otel's preload (by another `--import`/`--require`): the modules they
   * hook were never announced, so every module is wrapped, as OpenTelemetry's own `hook.mjs` does.
   */
  everyModule?: boolean;
}

/**
 * Installs import-in-the-middle's ES module loader hook when the first module to patch is announced (an
 * instrumentation's `Hook()`, in the preload, in another preload or later in the app), not at start: until then no
 * hook code is loaded and module loading runs as without it. Each announcement is acknowledged once the hook covers
 * it, so the preload's wait for acknowledgements holds the app back until the modules its instrumentations patch are
 * covered.
 *
 * Where Node runs in-thread hooks (module.registerHooks), announcements are also taken synchronously just before the
 * application's entry module resolves, so the instrumentations that preloads after this one register (`--import
 * genai-otel/register --import ./my-otel.mjs`) are covered before the app's first import, with no race.
 *
 * `announcements` is the `addHookMessagePort` of import-in-the-middle's `createAddHookMessageChannel()`.
 *
 * @example
 * const channel = createAddHookMessageChannel();
 * installLoaderHookOnDemand(channel.addHookMessagePort, import.meta.url);
 * start(); // instrumentations announce the modules they hook
 * await channel.waitForAllMessagesAcknowledged();
 */
export function installLoaderHookOnDemand(
  announcements: MessagePort,
  parentURL: string,
  options: LoaderHookOptions = {},
): void {
  let inThread: boolean;
  try {
    inThread =
      typeof process.getBuiltinModule('node:module').registerHooks === 'function' &&
      importInTheMiddleSupportsSyncHooks().supportsSyncHooks();
  } catch {
    inThread = false;
  }
  if (inThread) installInThreadOnDemand(announcements, options);
  else installLoaderThreadOnDemand(announcements, parentURL);
}

/** The modules announced so far, matched as import-in-the-middle matches its `include` list. */
class AnnouncedModules {
  private readonly names = new Set<string>();

  add(modules: Announcement): void {
    if (!Array.isArray(modules)) return;
    for (const name of modules) if (typeof name === 'string') this.names.add(name.replace(/^node:/, ''));
  }

  includes(url: string, specifier: string): boolean {
    if (this.names.has(specifier.replace(/^node:/, ''))) return true;
    if (INTERNAL_FILES.some((pattern) => pattern.test(url))) return true;
    if (!url.startsWith('file:') || this.names.size === 0) return false;
    // A hook may name a file by its absolute path.
    try {
      return this.names.has(process.getBuiltinModule('node:url').fileURLToPath(url));
    } catch {
      return false;
    }
  }
}

function installInThreadOnDemand(announcements: MessagePort, options: LoaderHookOptions): void {
  const announced = new AnnouncedModules();
  let installed = false;
  const install = () => {
    if (installed) return;
    installed = true;
    try {
      // shouldInclude is documented by import-in-the-middle 3.6 for in-thread hooks, not yet in its types.
      const matcher: { shouldInclude: (url: string, specifier: string) => boolean } = {
        shouldInclude:
          options.everyModule === true ? () => true : (url, specifier) => announced.includes(url, specifier),
      };
      importInTheMiddleInThread().register(matcher as object);
    } catch (error) {
      reportInstallFailure(error);
    }
  };
  const take = (modules: Announcement) => {
    if (!patchedEagerly(modules)) {
      announced.add(modules);
      install();
    }
    announcements.postMessage('ack');
  };
  announcements.on('message', take).unref();
  if (options.everyModule === true) install();

  // The entry module resolves after every preload has run: what they announced is taken now, synchronously.
  const { receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
  const nodeModule = process.getBuiltinModule('node:module');
  if (typeof nodeModule.registerHooks !== 'function') return;
  let waiting = true;
  const barrier = nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (waiting && context.parentURL === undefined) {
        waiting = false;
        for (
          let next = receiveMessageOnPort(announcements);
          next !== undefined;
          next = receiveMessageOnPort(announcements)
        )
          take(next.message);
        queueMicrotask(() => barrier.deregister?.());
      }
      return nextResolve(specifier, context);
    },
  });
}

/** Node without correct in-thread hooks: import-in-the-middle's loader thread, fed through a message port. */
function installLoaderThreadOnDemand(announcements: MessagePort, parentURL: string): void {
  let toHook: Promise<MessagePort | undefined> | undefined;
  announcements
    .on('message', (modules: Announcement) => {
      if (patchedEagerly(modules)) {
        announcements.postMessage('ack');
        return;
      }
      toHook ??= installLoaderThread(announcements, parentURL);
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

/** Whether every module announced is a built-in genai-otel's HTTP instrumentation patches without the hook. */
function patchedEagerly(modules: Announcement): boolean {
  return (
    currentStatus()?.instrumentations.includes('http') === true &&
    Array.isArray(modules) &&
    modules.length > 0 &&
    modules.every(
      (name) => typeof name === 'string' && PATCHED_WITHOUT_LOADER_HOOK.includes(name.replace(/^node:/, '')),
    )
  );
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

function reportInstallFailure(error: unknown): void {
  // The SDK bundle has loaded the API already (CommonJS); its diagnostic logger is the one start() set up.
  applicationApi().diag.error(
    'genai-otel: could not install the ES module loader hook; ES modules are not instrumented',
    error,
  );
}

/** The hook's end of a channel whose acknowledgements are passed on to `announcements`; undefined if it failed. */
async function installLoaderThread(announcements: MessagePort, parentURL: string): Promise<MessagePort | undefined> {
  try {
    // Taken, not imported, as in core/loaders.ts.
    const { MessageChannel } = process.getBuiltinModule('node:worker_threads');
    const { port1: toHook, port2: hookSide } = new MessageChannel();
    toHook.on('message', () => announcements.postMessage('ack')).unref();
    const data = { addHookMessagePort: hookSide, include: [...INTERNAL_FILES] };
    process
      .getBuiltinModule('node:module')
      .register('import-in-the-middle/hook.mjs', parentURL, { data, transferList: [hookSide] });
    return await Promise.resolve(toHook);
  } catch (error) {
    reportInstallFailure(error);
    return undefined;
  }
}
