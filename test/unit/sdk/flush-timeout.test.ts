// A flush that outlasts GENAI_OTEL_SHUTDOWN_TIMEOUT_MS says what becomes of the telemetry still being sent: with a
// spool it is kept on disk if the collector does not take it, so the line must not call it dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import { forceFlush, getExportHealth, shutdown, start } from '../../../src/sdk/sdk.ts';

test('forceFlush() past its deadline with a hanging collector: the line says the spans are still being sent and go to the spool, and they do', async () => {
  const receiver = await startOtlpReceiver();
  receiver.setBehaviour({ hang: true, times: 1 });
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '1500';
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    written.push(String(chunk));
    return write(chunk, ...rest);
  };
  start({
    serviceName: 'flush-timeout',
    endpoint: receiver.url,
    installExitHandlers: false,
    metricsExporter: 'none',
    logsExporter: 'none',
    logLevel: 'warn',
    shutdownTimeoutMillis: 500,
    spoolDirectory: mkdtempSync(join(tmpdir(), 'flush-timeout-')),
  });
  trace.getTracer('t').startSpan('slow-to-deliver').end();
  await forceFlush();
  const said = written
    .join('')
    .split('\n')
    .filter((line) => line.includes('flush did not finish'));
  assert.equal(said.length, 1, written.join(''));
  assert.ok(!/dropped/.test(said[0]!), said[0]);
  assert.match(said[0]!, /1 item is still being sent: what the collector does not take goes to the spool/);
  // The send gives up at its own timeout, and the span goes to the spool as the line said.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const counts = getExportHealth()!.signals.traces;
  assert.equal(counts.spooled, 1, JSON.stringify(counts));
  assert.equal(counts.dropped, 0);
  process.stderr.write = write;
  await shutdown();
  await receiver.close();
});
