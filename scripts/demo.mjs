// `npm run demo`: runs the support assistant of examples/support-agent under `node --require genai-otel/register`,
// against a simulated OpenAI API (unless OPENAI_BASE_URL points at a real one).
//   - A collector answers at the OTLP endpoint (the bundled stack is up): everything goes there, and the demo prints
//     the Jaeger link of each trace and the tree of the last one, read back from Jaeger.
//   - Nothing answers: the app writes OTLP/JSON lines to .genai-otel/ (the `file` exporter) and spools what it could
//     not send for a collector that starts later; the demo prints, with the genai-otel CLI, the trace tree of the
//     last interaction and the report of this run.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSimulatedLLM } from '../examples/support-agent/simulated-llm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli/genai-otel.js', import.meta.url));
const endpoint = (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318').replace(/\/+$/, '');
const jaegerUrl = (process.env.GENAI_OTEL_JAEGER_URL || 'http://localhost:16686').replace(/\/+$/, '');
const prometheusUrl = (process.env.GENAI_OTEL_PROMETHEUS_URL || 'http://localhost:9090').replace(/\/+$/, '');
const serviceName = process.env.OTEL_SERVICE_NAME || 'support-assistant-demo';
const bold = (text) => (process.stdout.isTTY && process.stdout.hasColors() ? `\x1b[1m${text}\x1b[22m` : text);

/** Whether an OTLP/HTTP receiver accepts an (empty) export request at the endpoint. */
async function collectorAnswers() {
  try {
    const response = await fetch(`${endpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(1000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Runs the agent under the preload, echoing its output; resolves with its exit code and the trace ids it printed. */
function runAgent(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', 'genai-otel/register', 'examples/support-agent/agent.cjs'], {
      cwd: root,
      env: { ...process.env, OTEL_SERVICE_NAME: serviceName, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const traceIds = [];
    let pending = '';
    child.stdout.on('data', (data) => {
      process.stdout.write(data);
      pending += data;
      for (const match of pending.matchAll(/trace ([0-9a-f]{32})/g))
        if (!traceIds.includes(match[1])) traceIds.push(match[1]);
      pending = pending.slice(pending.lastIndexOf('\n') + 1);
    });
    child.on('exit', (code) => resolve({ code: code ?? 1, traceIds }));
  });
}

function runCli(args, extraEnv = {}) {
  console.log(bold(`$ genai-otel ${args.join(' ')}`));
  spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  console.log();
}

/** Whether the OTLP/JSON spans of a trace are all there: a root, and every parent present. */
function complete(result) {
  const spans = (result?.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
  const ids = new Set(spans.map((span) => span.spanId));
  return (
    spans.some((span) => !span.parentSpanId) && spans.every((span) => !span.parentSpanId || ids.has(span.parentSpanId))
  );
}

/** Waits until Jaeger has the whole trace: spans arrive in batches, the root (which ends last) in the last one. */
async function waitForTrace(traceId, timeoutMillis) {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && complete((await response.json()).result)) return true;
    } catch {
      // Jaeger not there (yet)
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

const started = Date.now();
const simulated = !process.env.OPENAI_BASE_URL;
const llm = simulated
  ? await startSimulatedLLM({ seed: Number(process.env.DEMO_SEED || 7), speed: Number(process.env.DEMO_SPEED || 1) })
  : undefined;
const llmEnv = simulated ? { OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'sk-simulated' } : {};
const collector = await collectorAnswers();

console.log(bold('genai-otel demo: a support assistant answers three customers at once'));
console.log(
  simulated
    ? `LLM: a simulated OpenAI API at ${llm.baseURL} (no key, no network), called through the real openai client`
    : `LLM: ${process.env.OPENAI_BASE_URL}`,
);
console.log(
  collector
    ? `Telemetry: to the collector at ${endpoint}`
    : `Telemetry: no collector at ${endpoint}, so OTLP/JSON files in .genai-otel/ (and a spool that a collector started later receives)`,
);
console.log();

const exporters = collector
  ? {}
  : { OTEL_TRACES_EXPORTER: 'otlp,file', OTEL_METRICS_EXPORTER: 'otlp,file', OTEL_LOGS_EXPORTER: 'otlp,file' };
// The bundled collector drops user and session ids it does not receive hashed (its privacy safety net): with no key
// of your own, the demo hashes them with one of its own, so that sessions survive, and the CLI looks them up with it.
const demoKey =
  collector && !process.env.GENAI_OTEL_USER_ID_HMAC_KEY
    ? { GENAI_OTEL_USER_ID_HMAC_KEY: 'genai-otel-demo-key-not-a-secret' }
    : {};
if (demoKey.GENAI_OTEL_USER_ID_HMAC_KEY) {
  console.log(
    `Ids: user and session ids are exported as HMACs with the demo's key (GENAI_OTEL_USER_ID_HMAC_KEY=${demoKey.GENAI_OTEL_USER_ID_HMAC_KEY});\n     the collector would drop them otherwise. Use a secret of your own in a real app.\n`,
  );
}
const { code, traceIds } = await runAgent({ ...llmEnv, ...exporters, ...demoKey });
await llm?.close();
const last = traceIds.at(-1);

if (code !== 0 || last === undefined) {
  console.error(`The agent failed (exit code ${code}); see the output above.`);
  process.exit(code || 1);
}

if (collector) {
  console.log(bold('Traces in Jaeger:'));
  for (const traceId of traceIds) console.log(`  ${jaegerUrl}/trace/${traceId}`);
  console.log();
  if (await waitForTrace(last, 15_000)) {
    console.log(bold('The last interaction, read back from Jaeger:'));
    runCli(['traces', '--source', 'jaeger', '--trace', last], demoKey);
  } else {
    console.log(`Jaeger at ${jaegerUrl} does not have the last trace yet: open the links above in a moment.\n`);
  }
  console.log('Metrics: the collector passes them to Prometheus within a scrape interval. Then:');
  console.log(`  npx genai-otel report --since 1h          (from ${prometheusUrl})`);
  console.log(
    `  ${prometheusUrl}/graph?g0.expr=${encodeURIComponent('sum by (gen_ai_request_model) (genai_otel_client_cost_USD_total)')}`,
  );
  const withKey = demoKey.GENAI_OTEL_USER_ID_HMAC_KEY
    ? `GENAI_OTEL_USER_ID_HMAC_KEY=${demoKey.GENAI_OTEL_USER_ID_HMAC_KEY} `
    : '';
  console.log('  npx genai-otel sessions                    (the session table)');
  console.log(`  ${withKey}npx genai-otel traces --session session-bob-1`);
} else {
  console.log(bold('The last interaction:'));
  runCli(['traces', '--source', 'files', '--trace', last]);
  console.log(bold('This run:'));
  // The window is measured now, after the traces command: on a busy machine that command alone can take seconds.
  const seconds = Math.ceil((Date.now() - started) / 1000) + 5;
  runCli(['report', '--source', 'files', '--since', `${seconds}s`]);
  console.log('Next: npx genai-otel sessions · npx genai-otel report --html report.html · npx genai-otel doctor');
  console.log(
    'With the bundled stack (docker compose up -d, or npm run stack -- up), npm run demo sends to Jaeger and Prometheus.',
  );
}
console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
