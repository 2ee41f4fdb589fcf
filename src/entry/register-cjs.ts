// `node --require genai-otel/register app.js`: starts OpenTelemetry before the application's first line. The SDK
// (the package's main bundle, the one `require('genai-otel')` gives the app) is loaded only when telemetry is on.
import type * as GenAIOtel from '../index.ts';

import { requireBuiltFile } from '../core/loaders.ts';
import { preloadNeedsSdk } from './preload.ts';

if (preloadNeedsSdk()) (requireBuiltFile('./index.cjs') as typeof GenAIOtel).start();
