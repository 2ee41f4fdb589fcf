// `node --import genai-otel/register app.mjs`: installs the ESM loader hook instrumentations need, starts
// OpenTelemetry, and holds the application back until the loader has acknowledged every module to instrument.
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { start } from '../sdk/sdk.ts';

// The channel must exist before start(): instrumentations announce the modules they hook while they are enabled.
const channel = createAddHookMessageChannel();
const status = start();
if (!status.disabled) {
  register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
  await channel.waitForAllMessagesAcknowledged();
}
