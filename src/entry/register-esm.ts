// `node --import genai-otel/register app.mjs`: starts OpenTelemetry, makes sure the ESM loader hook instrumentations
// need is there for every module they announce, and holds the application back until it has taken them.
// The SDK is loaded only when telemetry is on, and as CommonJS (the package's CommonJS bundle): required, it loads
// synchronously, so the instrumentations it enables are in place before the application's first import. Both builds
// take the same (CommonJS) @opentelemetry/api and share one state, so `import { withLLMCall } from 'genai-otel'` in
// the app works the same.
// import-in-the-middle is required, not imported: importing a CommonJS module from ESM costs ~10 ms more at start.
import type * as GenAIOtel from '../index.ts';
import { importInTheMiddle, loadedAlready, requireBuiltFile } from '../core/loaders.ts';
import { installLoaderHookOnDemand } from './esm-loader-hook.ts';
import { preloadNeedsSdk } from './preload.ts';
import { handEarlyTracersOver } from './early-tracers.ts';

if (preloadNeedsSdk()) {
  // A preload that ran before this one and set up instrumentations (their module hooks are loaded) announced its
  // modules to no one: the hook then wraps every module so that they are patched all the same.
  const instrumentedBefore = loadedAlready('/require-in-the-middle/') || loadedAlready('/import-in-the-middle/');
  const { createAddHookMessageChannel } = importInTheMiddle();
  // The channel must exist before start(): instrumentations announce the modules they hook while they are enabled,
  // and only those modules are ever wrapped. The hook itself is installed at the first announcement.
  const channel = createAddHookMessageChannel();
  const { start } = requireBuiltFile('../cjs/index.cjs') as typeof GenAIOtel;
  // Bun runs no module loader hooks: nothing to install (start() patches the ES module copies of the clients instead).
  if (!start().disabled && process.versions.bun === undefined) {
    installLoaderHookOnDemand(channel.addHookMessagePort, import.meta.url, { everyModule: instrumentedBefore });
    await channel.waitForAllMessagesAcknowledged();
    if (instrumentedBefore) await handEarlyTracersOver();
  }
}
