// `node --require genai-otel/register app.js`: starts OpenTelemetry before the application's first line.
import { start } from '../sdk/sdk.ts';

start();
