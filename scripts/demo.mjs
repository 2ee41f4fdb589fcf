// `npm run demo`: runs the sample agent under `node --require genai-otel/register`. If a collector answers at the
// OTLP endpoint (e.g. after `docker compose up -d`), telemetry goes there and you get the Jaeger link; otherwise a
// local receiver takes it and the demo prints the trace tree of the last interaction and a summary.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { printTree, startLocalReceiver, summarize } from '../examples/quickstart/local-receiver.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
const serviceName = process.env.OTEL_SERVICE_NAME ?? 'genai-otel-demo';

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port || 80), timeout: 500 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

function runAgent(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', 'genai-otel/register', 'examples/quickstart/agent.cjs'], { cwd: root, env: { ...process.env, OTEL_SERVICE_NAME: serviceName, ...env }, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const collectorUp = await reachable(endpoint);
if (collectorUp) {
  console.log(`A collector answers at ${endpoint}: sending telemetry there.\n`);
  const code = await runAgent({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  console.log(`Traces: http://localhost:16686/search?service=${serviceName}`);
  console.log('Metrics: http://localhost:9090/graph?g0.expr=sum%20by%20(gen_ai_request_model)(genai_otel_client_cost_USD_total)');
  process.exit(code);
}

console.log(`No collector at ${endpoint}: using a local receiver (start the bundled stack with \`docker compose up -d\` to see Jaeger and Prometheus).\n`);
const receiver = await startLocalReceiver();
const code = await runAgent({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
await receiver.close();
const agents = receiver.spans.filter((span) => span.name.startsWith('invoke_agent')).sort((a, b) => (a.start < b.start ? -1 : 1));
const last = agents.at(-1);
if (last === undefined) {
  console.error('No spans were received: something is wrong with the preload.');
  process.exit(1);
}
console.log('Trace of the last interaction:');
printTree(receiver.spans, last);
const summary = summarize(receiver.spans);
console.log(`\nAll interactions: ${summary.llmCalls} LLM calls, ${summary.inputTokens} input and ${summary.outputTokens} output tokens, $${summary.costUsd.toFixed(6)}, ${summary.toolCalls} tool calls (${summary.toolFailures} failed and were retried).`);
process.exit(code);
