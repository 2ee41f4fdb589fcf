// getLogger: one JSON line on stdout and one OTel log record per call, both carrying the trace and span ids.
process.env.GENAI_OTEL_LOGGER_LEVEL = 'info';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextLogRecordProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { withSpan } from '../../../src/genai/operations.ts';
import { getLogger } from '../../../src/logs/logger.ts';
import { MAX_LOGGER_SCOPES, SHARED_LOGGER_SCOPE, appLoggerScopeCount } from '../../../src/logs/otel-logger.ts';

const sdk = installMemorySdk({ logRecordProcessors: [new ContextLogRecordProcessor()] });

function captureStdout(fn: () => void): string[] {
  const lines: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = (chunk: string) => (lines.push(String(chunk)), true);
  try {
    fn();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}

test('a record inside a span: stdout JSON and the OTLP record carry the same trace and span ids, fields and session', () => {
  const log = getLogger('checkout');
  let ids = { traceId: '', spanId: '' };
  const lines = captureStdout(() =>
    withContext({ sessionId: 'sess-log' }, () =>
      withSpan('place-order', (span) => {
        ids = span.spanContext();
        log.info('order placed', { orderId: 'o-1', amount: 42.5, nested: { ok: true } });
      }),
    ),
  );
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.equal(line.logger, 'checkout');
  assert.equal(line.msg, 'order placed');
  assert.equal(line.trace_id, ids.traceId);
  assert.equal(line.span_id, ids.spanId);
  assert.equal(line.orderId, 'o-1');
  assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);

  const record = sdk.logs().find((entry) => entry.body === 'order placed')!;
  assert.equal(record.instrumentationScope.name, 'checkout');
  assert.equal(record.severityText, 'INFO');
  assert.equal(record.spanContext?.traceId, ids.traceId);
  assert.equal(record.spanContext?.spanId, ids.spanId);
  assert.equal(record.attributes.amount, 42.5);
  assert.deepEqual(record.attributes.nested, { ok: true });
  assert.equal(record.attributes['session.id'], 'sess-log');
});

test('errors become exception.* fields; child loggers add their fields; below the level nothing is written', () => {
  const log = getLogger('worker').child({ job: 'nightly' });
  const lines = captureStdout(() => {
    log.debug('too chatty');
    log.error('job failed', new RangeError('out of range'));
    log.warn('slow', { millis: 900, cause: new Error('disk') });
  });
  assert.equal(lines.length, 2);
  const failed = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(failed.level, 'error');
  assert.equal(failed.job, 'nightly');
  assert.equal(failed['exception.type'], 'RangeError');
  assert.match(String(failed['exception.stacktrace']), /RangeError: out of range/);
  assert.equal(JSON.parse(lines[1]!)['exception.message'], 'disk');
  const record = sdk.logs().find((entry) => entry.body === 'job failed')!;
  assert.equal(record.severityNumber, 17);
  assert.equal(record.attributes.job, 'nightly');
  assert.equal(
    sdk.logs().some((entry) => entry.body === 'too chatty'),
    false,
  );
});

test('unserializable fields (cycles, bigints, functions) never throw', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const lines = captureStdout(() => getLogger('odd').info('odd fields', { cyclic, big: 10n, fn: () => 1 }));
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(line.cyclic, { name: 'loop', self: '[Circular]' });
  assert.equal(line.big, '10');
});

test('distinct logger names are bounded: past MAX_LOGGER_SCOPES they share one scope and carry their name', () => {
  const names = MAX_LOGGER_SCOPES * 4;
  captureStdout(() => {
    for (let index = 0; index < names; index++) getLogger(`per-request-${index}`).info('bounded', { index });
  });
  assert.ok(appLoggerScopeCount() <= MAX_LOGGER_SCOPES, `${appLoggerScopeCount()} scopes held for ${names} names`);
  const records = sdk.logs().filter((entry) => entry.body === 'bounded');
  assert.equal(records.length, names, 'every logger past the bound still writes');
  const scopes = new Set(records.map((record) => record.instrumentationScope.name));
  assert.ok(scopes.size <= MAX_LOGGER_SCOPES + 1, `${scopes.size} distinct scopes exported`);
  const last = records.find((record) => record.attributes.index === names - 1)!;
  assert.equal(last.instrumentationScope.name, SHARED_LOGGER_SCOPE);
  assert.equal(last.attributes['genai_otel.logger.name'], `per-request-${names - 1}`);
  const first = records.find((record) => record.attributes.index === 0)!;
  assert.equal(first.attributes['genai_otel.logger.name'], undefined, 'a name within the bound keeps its own scope');
});

test('fields and child fields that are hostile (revoked proxy, throwing getters) never throw', () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const hostile = Object.defineProperty({}, 'boom', {
    enumerable: true,
    get: () => {
      throw new Error('getter');
    },
  });
  captureStdout(() => {
    const log = getLogger('hostile').child(proxy).child(hostile);
    log.error('still fine', proxy);
    log.info('still fine', hostile);
  });
});
