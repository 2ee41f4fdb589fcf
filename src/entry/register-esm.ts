// `node --import genai-otel/register app.mjs`: installs the ESM loader hook instrumentations need, starts
// OpenTelemetry, and holds the application back until the loader has acknowledged every module to instrument.
// The SDK is loaded only when telemetry is on, and as CommonJS (the package's CommonJS bundle): the SDK packages it
// loads on demand are CommonJS, and an ES module bundle would load a second copy of @opentelemetry/api and core
// beside them. Both builds share one state, so `import { withLLMCall } from 'genai-otel'` in the app works the same.
import { createRequire, register } from 'node:module';
import type * as GenAIOtel from '../index.ts';
import { preloadNeedsSdk } from './preload.ts';

if (preloadNeedsSdk()) {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // The channel must exist before start(): instrumentations announce the modules they hook while they are enabled,
  // and only those modules are ever wrapped.
  const channel = createAddHookMessageChannel();
  const { start } = createRequire(import.meta.url)('../cjs/index.cjs') as typeof GenAIOtel;
  if (!start().disabled) {
    // In-thread hooks (module.registerHooks) where this Node runs them correctly: no loader thread to start, no
    // message round-trip per module. Elsewhere the loader thread of module.register().
    const inThread = await import('import-in-the-middle/register-hooks.mjs');
    if (inThread.supportsSyncHooks()) inThread.register(channel.registerOptions.data);
    else register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
    await channel.waitForAllMessagesAcknowledged();
  }
}
