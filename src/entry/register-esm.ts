// `node --import genai-otel/register app.mjs`: installs the ESM loader hook instrumentations need, starts
// OpenTelemetry, and holds the application back until the loader has acknowledged every module to instrument.
// The SDK (the package's main bundle, the one `import 'genai-otel'` gives the app) is loaded only when telemetry is on.
import { register } from 'node:module';
import type * as GenAIOtel from '../index.ts';
import { preloadNeedsSdk } from './preload.ts';

if (preloadNeedsSdk()) {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // The channel must exist before start(): instrumentations announce the modules they hook while they are enabled.
  const channel = createAddHookMessageChannel();
  const { start } = (await import(new URL('./index.js', import.meta.url).href)) as typeof GenAIOtel;
  if (!start().disabled) {
    register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
    await channel.waitForAllMessagesAcknowledged();
  }
}
