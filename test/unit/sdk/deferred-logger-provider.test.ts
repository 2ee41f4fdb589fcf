// The log pipeline is built at the first getLogger(), not at start; until then, and if building fails, nothing throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { DeferredLoggerProvider } from '../../../src/sdk/deferred-logger-provider.ts';

test('the SDK provider is built at the first getLogger(), once, and its records are exported', async () => {
  const exporter = new InMemoryLogRecordExporter();
  let builds = 0;
  const deferred = new DeferredLoggerProvider(() => {
    builds++;
    return new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  });
  await deferred.forceFlush();
  assert.equal(builds, 0);
  assert.equal(deferred.isBuilt, false);
  deferred.getLogger('a').emit({ body: 'first' });
  deferred.getLogger('b', '1.0.0').emit({ body: 'second' });
  await deferred.forceFlush();
  assert.equal(builds, 1);
  assert.deepEqual(
    exporter.getFinishedLogRecords().map((record) => record.body),
    ['first', 'second'],
  );
  assert.deepEqual(
    exporter.getFinishedLogRecords().map((record) => record.instrumentationScope.name),
    ['a', 'b'],
  );
  await deferred.shutdown();
});

test('taking a logger builds nothing (instrumentations take theirs when created); its first record builds the pipeline', async () => {
  const exporter = new InMemoryLogRecordExporter();
  let builds = 0;
  const deferred = new DeferredLoggerProvider(() => {
    builds++;
    return new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  });
  const logger = deferred.getLogger('@opentelemetry/instrumentation-http', '0.301.0');
  assert.equal(builds, 0);
  assert.equal(deferred.isBuilt, false);
  assert.equal(logger.enabled(), true);
  assert.equal(builds, 1);
  logger.emit({ body: 'late' });
  await deferred.forceFlush();
  assert.deepEqual(
    exporter.getFinishedLogRecords().map((record) => [record.instrumentationScope.name, record.body]),
    [['@opentelemetry/instrumentation-http', 'late']],
  );
  await deferred.shutdown();
});

test('shut down before any logger was asked for: nothing is built, later loggers are no-ops', async () => {
  let builds = 0;
  const deferred = new DeferredLoggerProvider(() => {
    builds++;
    return new LoggerProvider();
  });
  await deferred.shutdown();
  const logger = deferred.getLogger('late');
  assert.doesNotThrow(() => logger.emit({ body: 'after shutdown' }));
  assert.equal(builds, 0);
});

test('a pipeline that cannot be built is reported once and gives no-op loggers; the caller never sees the error', () => {
  const errors: string[] = [];
  diag.setLogger(
    { error: (message: string) => errors.push(message), warn() {}, info() {}, debug() {}, verbose() {} },
    DiagLogLevel.ERROR,
  );
  let builds = 0;
  const deferred = new DeferredLoggerProvider(() => {
    builds++;
    throw new Error('exporter misconfigured');
  });
  for (let index = 0; index < 3; index++) assert.doesNotThrow(() => deferred.getLogger('x').emit({ body: 'dropped' }));
  assert.equal(builds, 1);
  assert.equal(errors.filter((message) => message.includes('log pipeline')).length, 1);
  diag.disable();
});
