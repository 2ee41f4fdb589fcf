// Runs the mock receiver by hand to watch what an app exports: one line per request on stdout.
//
//   node packages/mock-otlp-receiver/src/cli.ts --port 4318 [--host 127.0.0.1]
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 node --import genai-otel/register app.js
//
// Ctrl-C (or SIGTERM) closes it.
import { parseArgs } from 'node:util';
import { startOtlpReceiver } from './receiver.ts';
import { describeRequest } from './request-summary.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4318' },
    host: { type: 'string', default: '127.0.0.1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'Usage: node packages/mock-otlp-receiver/src/cli.ts [--port 4318] [--host 127.0.0.1]\nPrints one line per OTLP/HTTP request received.',
  );
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`mock-otlp-receiver: --port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
  process.exit(2);
}

const receiver = await startOtlpReceiver({
  host: values.host,
  port,
  onRequest: (request, items) => console.log(describeRequest(request, items)),
});
console.log(`mock-otlp-receiver listening on ${receiver.url} (POST /v1/traces, /v1/metrics, /v1/logs)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void receiver.close().then(() => process.exit(0));
  });
}
