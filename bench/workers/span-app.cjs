// The app of rows 4, 5, 7 and the request-path row, run under genai-otel's preload, plain NodeSDK's, or none.
// BENCH_MODE:
//   burst    BENCH_SPANS spans as fast as possible (a turn of the event loop every 1,000), then flush; CPU time measured
//   rate     BENCH_RATE spans/s for BENCH_SECONDS (a tick every 10 ms), sampling RSS and event-loop delay, then flush
//   latency  BENCH_RATE awaited withLLMCall calls/s for BENCH_SECONDS, each around a simulated I/O wait; per-call latency
// Prints one JSON line at the end.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { trace } = require('@opentelemetry/api');

const mode = process.env.BENCH_MODE ?? 'burst';
const spans = Number(process.env.BENCH_SPANS ?? 100_000);
const rate = Number(process.env.BENCH_RATE ?? 2000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const holdMillis = Number(process.env.BENCH_HOLD_MS ?? 0);
const tracer = trace.getTracer('bench-app');
const telemetry = process.env.BENCH_TELEMETRY ?? 'none';

// BENCH_SPANS_OF picks the spans, the same on every side:
//   app         (default) an outgoing HTTP call's worth of attributes: the spans of an app's own work, which
//               genai-otel only exports (what the export pipeline costs per span)
//   model-call  a model call made by another instrumentation (operation, provider, model, usage), which genai-otel
//               also completes: cost looked up, four metric records (what genai-otel adds to each model call)
const spansOf = process.env.BENCH_SPANS_OF ?? 'app';
if (spansOf !== 'app' && spansOf !== 'model-call') throw new Error(`BENCH_SPANS_OF: app or model-call, not ${spansOf}`);

function emit(sequence) {
  const span =
    spansOf === 'app'
      ? tracer.startSpan('GET', {
          kind: 2, // CLIENT
          attributes: {
            'http.request.method': 'GET',
            'http.response.status_code': 200,
            'server.address': 'inventory.internal',
            'server.port': 8080,
            'url.full': 'http://inventory.internal:8080/v1/items',
            'network.protocol.version': '1.1',
            'bench.seq': sequence,
          },
        })
      : tracer.startSpan('chat gpt-4o-mini', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 120,
            'gen_ai.usage.output_tokens': 30,
            'server.address': 'api.openai.com',
            'bench.seq': sequence,
          },
        });
  span.end();
}

async function flush() {
  if (telemetry === 'genai-otel') await require('genai-otel').shutdown();
  else if (telemetry === 'nodesdk') await globalThis.__benchShutdown();
}

const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));
const turn = () => new Promise((resolve) => setImmediate(resolve));
const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

async function burst() {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let sequence = 0; sequence < spans; sequence++) {
    emit(sequence);
    if (sequence % 1000 === 999) await turn();
  }
  await flush();
  const used = process.cpuUsage(cpu);
  return { spans, cpuMicros: used.user + used.system, wallMillis: performance.now() - started };
}

async function steady() {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  await sleep(500); // past start-up work
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const perTick = Math.max(1, Math.round(rate / 100));
  const total = rate * seconds;
  let sequence = 0;
  delay.enable();
  const started = performance.now();
  while (sequence < total) {
    for (let index = 0; index < perTick && sequence < total; index++) emit(sequence++);
    const rss = process.memoryUsage.rss();
    if (rss > rssPeak) rssPeak = rss;
    // Keep to the schedule: 10 ms per tick from the start.
    const due = started + (sequence / perTick) * 10;
    await sleep(Math.max(0, due - performance.now()));
  }
  delay.disable();
  const result = {
    spans: sequence,
    rssStartMb: mb(rssStart),
    rssPeakMb: mb(rssPeak),
    delayP99Ms: delay.percentile(99) / 1e6,
    delayP50Ms: delay.percentile(50) / 1e6,
    delayMaxMs: delay.max / 1e6,
  };
  if (holdMillis > 0) await sleep(holdMillis);
  await flush();
  return result;
}

async function latency() {
  const { withLLMCall } = require('genai-otel');
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-mini',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'ok' } }],
    usage: { prompt_tokens: 120, completion_tokens: 30 },
  };
  // A call that waits for "the network" (one turn of the event loop) and returns a completion.
  const userCall = () => new Promise((resolve) => setImmediate(resolve, completion));
  await sleep(500);
  const latencies = [];
  const perTick = Math.max(1, Math.round(rate / 100));
  const total = rate * seconds;
  const started = performance.now();
  for (let sequence = 0; sequence < total;) {
    const tick = [];
    for (let index = 0; index < perTick && sequence < total; index++, sequence++) {
      const begun = performance.now();
      tick.push(
        withLLMCall({ provider: 'openai', model: 'gpt-4o-mini' }, userCall).then(() =>
          latencies.push(performance.now() - begun),
        ),
      );
    }
    await Promise.all(tick);
    const due = started + (sequence / perTick) * 10;
    await sleep(Math.max(0, due - performance.now()));
  }
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const result = { calls: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1] };
  await flush();
  return result;
}

const run = { burst, rate: steady, latency }[mode];
run().then((result) => console.log(JSON.stringify(result)));
