// The redacting span and log exporters in a real SDK: what they hand on, what they leave alone, how they fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SpanStatusCode, diag, logs, trace, type DiagLogger } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { installRedactingSdk, privacyFrom } from '../../support/redacting-sdk.ts';
import { Redactor } from '../../../src/privacy/redactor.ts';
import { RedactingSpanExporter } from '../../../src/privacy/span-exporter.ts';
import { BUILT_IN_RULES } from '../../../src/privacy/rules/index.ts';

const KEY = 'unit-test-key-0123456789';
const sdk = installRedactingSdk(privacyFrom({ GENAI_OTEL_USER_ID_HMAC_KEY: KEY }));
const tracer = trace.getTracer('third-party-lib');
const hmac = (value: string) => `hmac-sha256:${createHmac('sha256', KEY).update(value).digest('hex')}`;

const diagnostics: string[] = [];
const captureLogger: DiagLogger = {
  error: (message) => diagnostics.push(message),
  warn: (message) => diagnostics.push(message),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};
diag.setLogger(captureLogger);

test('the exported copy is redacted everywhere in the span; the SDK span other processors see is untouched', async () => {
  sdk.reset();
  const linked = tracer.startSpan('linked');
  linked.end();
  const span = tracer.startSpan('lookup jane@example.com', {
    attributes: {
      'db.query.text': "SELECT * FROM users WHERE email = 'jane@example.com'",
      'http.request.header.authorization': ['Bearer abcDEF1234567890xyz'],
    },
    links: [{ context: linked.spanContext(), attributes: { 'link.note': 'card 4111 1111 1111 1111' } }],
  });
  span.addEvent('retry', { 'retry.reason': 'timeout calling +44 20 7946 0958' });
  span.recordException(new Error('user jane@example.com not found'));
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'jane@example.com not found' });
  span.end();
  await sdk.flush();

  const exported = sdk.spans().find((item) => item.name.startsWith('lookup'))!;
  assert.equal(exported.name, 'lookup [REDACTED:email]');
  assert.equal(exported.attributes['db.query.text'], "SELECT * FROM users WHERE email = '[REDACTED:email]'");
  assert.equal(exported.attributes['http.request.header.authorization'], undefined);
  assert.equal(exported.droppedAttributesCount, 1, 'a dropped header is counted as dropped');
  assert.equal(exported.links[0]!.attributes!['link.note'], 'card [REDACTED:card]');
  assert.equal(exported.events[0]!.attributes!['retry.reason'], 'timeout calling [REDACTED:phone]');
  assert.equal(exported.events[1]!.attributes!['exception.message'], 'user [REDACTED:email] not found');
  assert.match(
    String(exported.events[1]!.attributes!['exception.stacktrace']),
    /^Error: user \[REDACTED:email\] not found/,
  );
  assert.equal(exported.status.message, '[REDACTED:email] not found');
  assert.equal(exported.spanContext().spanId, span.spanContext().spanId);

  const raw = sdk.rawSpans().find((item) => item.name.startsWith('lookup'))!;
  assert.equal(raw.name, 'lookup jane@example.com', 'the processor next to ours still sees the original');
  assert.deepEqual(raw.attributes['http.request.header.authorization'], ['Bearer abcDEF1234567890xyz']);
});

test('a span with nothing to redact is handed on as the very same object, or, when the resource states the rule set, with only that swapped', () => {
  const clean = () => {
    const span = tracer.startSpan('clean', {
      attributes: { 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 12 },
    });
    span.end();
    return span as unknown as Parameters<RedactingSpanExporter['redactSpan']>[0];
  };
  const sink = { export: () => undefined, shutdown: async () => undefined };
  // Without the whole built-in set there is nothing to state: the span itself.
  const partial = new RedactingSpanExporter(sink, new Redactor(privacyFrom(), BUILT_IN_RULES.slice(1)));
  const span = clean();
  assert.equal(partial.redactSpan(span), span);
  // With it, the resource copy stating it (made once per resource) is the only change: no attribute map is copied.
  const exporter = new RedactingSpanExporter(sink, new Redactor(privacyFrom(), BUILT_IN_RULES));
  const [first, second] = [clean(), clean()];
  const [a, b] = [exporter.redactSpan(first), exporter.redactSpan(second)];
  assert.equal(a.attributes, first.attributes);
  assert.equal(a.events, first.events);
  assert.equal(a.resource, b.resource);
  assert.notEqual(a.resource, first.resource);
});

test('identity attributes are hashed with HMAC-SHA256 in span and log attributes; nested credential keys are dropped', async () => {
  sdk.reset();
  tracer
    .startSpan('request', {
      attributes: { 'user.id': 'alice@example.com', 'session.id': 'sess-42', 'enduser.id': 'alice' },
    })
    .end();
  logs.getLogger('app').emit({
    body: {
      message: 'login',
      headers: { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', accept: 'text/html' },
      user: { password: 'hunter22!' },
    },
    attributes: { 'user.id': 'alice@example.com', 'user.email': 'alice@example.com' },
  });
  await sdk.flush();
  const span = sdk.spans().find((item) => item.name === 'request')!;
  assert.equal(span.attributes['user.id'], hmac('alice@example.com'));
  assert.equal(span.attributes['session.id'], hmac('sess-42'));
  assert.equal(span.attributes['enduser.id'], hmac('alice'));
  const record = sdk.logs().at(-1)!;
  assert.equal(record.attributes['user.id'], hmac('alice@example.com'));
  assert.equal(record.attributes['user.email'], hmac('alice@example.com'));
  assert.deepEqual(record.body, {
    message: 'login',
    headers: { accept: 'text/html' },
    user: { password: '[REDACTED:credential]' },
  });
});

test('fail closed: a value whose redaction throws is dropped, counted, and logged once without the value', async () => {
  sdk.reset();
  diagnostics.length = 0;
  const hostile = {
    get note(): string {
      throw new TypeError('getter exploded near jane@example.com');
    },
  };
  const logger = logs.getLogger('app');
  logger.emit({ body: hostile, attributes: { 'app.kept': 'fine' } });
  logger.emit({ body: hostile });
  // A value nested deeper than the redactor walks cannot be checked: it goes too.
  let deep: Record<string, unknown> = { leaf: 'jane@example.com' };
  for (let level = 0; level < 40; level++) deep = { next: deep };
  logger.emit({ body: 'deep', attributes: { 'app.deep': deep, 'app.kept': 'fine' } });
  await sdk.flush();

  const [first, second, third] = sdk.logs();
  assert.equal(first!.body, undefined, 'the body is dropped, not exported raw');
  assert.equal(first!.attributes['app.kept'], 'fine', 'the rest of the record is exported');
  assert.equal(second!.body, undefined);
  assert.equal(third!.attributes['app.deep'], undefined);
  assert.equal(third!.attributes['app.kept'], 'fine');
  assert.equal(third!.droppedAttributesCount, 1);

  const metrics = await sdk.collect();
  const failures = metrics.get('genai_otel.redaction.failures');
  const total = (failures?.dataPoints ?? []).reduce((sum, point) => sum + Number(point.value), 0);
  assert.equal(total, 3);
  assert.deepEqual(failures?.dataPoints[0]?.attributes, { 'genai_otel.redaction.signal': 'logs' });
  const reported = diagnostics.filter((line) => line.includes('redaction'));
  assert.deepEqual(reported, [
    'genai-otel: redaction of a log record value failed (TypeError); the value was dropped instead of exported',
  ]);
  assert.ok(!diagnostics.some((line) => line.includes('jane@example.com')));
});

test('fail closed in spans: a rule that throws drops the attribute; a name that cannot be redacted is replaced', () => {
  const failing = {
    name: 'boom',
    mayMatch: (text: string) => text.includes('boom'),
    pattern: /boom/g,
    locate: () => {
      throw new Error('rule failed');
    },
  };
  const exporter = new RedactingSpanExporter(
    { export: () => undefined, shutdown: async () => undefined },
    new Redactor(privacyFrom(), [failing]),
  );
  const span = tracer.startSpan('boom span', { attributes: { 'app.ok': 'fine', 'app.bad': 'boom value' } });
  span.end();
  const copy = exporter.redactSpan(span as never);
  assert.equal(copy.name, '[REDACTED:failed]');
  assert.equal(copy.attributes['app.bad'], undefined);
  assert.equal(copy.attributes['app.ok'], 'fine');
});

test('card numbers stored as numbers are redacted; timestamps and counts are not', async () => {
  sdk.reset();
  tracer
    .startSpan('numbers', {
      attributes: { 'payment.pan': 4111111111111111, 'event.time_ms': 1718041234567, tokens: 4111 },
    })
    .end();
  await sdk.flush();
  const span = sdk.spans().find((item) => item.name === 'numbers')!;
  assert.equal(span.attributes['payment.pan'], '[REDACTED:card]');
  assert.equal(span.attributes['event.time_ms'], 1718041234567);
  assert.equal(span.attributes['tokens'], 4111);
});

test('resource attributes are redacted once per resource, and spans keep sharing one resource object', async () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bot',
      'process.command_args': ['node', 'bot.js', '--api-key', 'sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9'],
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(memory, sdk.redactor) })],
  });
  const own = provider.getTracer('own');
  own.startSpan('one').end();
  own.startSpan('two').end();
  await provider.forceFlush();
  const [one, two] = memory.getFinishedSpans();
  assert.deepEqual(one!.resource.attributes['process.command_args'], [
    'node',
    'bot.js',
    '--api-key',
    '[REDACTED:anthropic_key]',
  ]);
  assert.equal(one!.resource.attributes['service.name'], 'bot');
  assert.equal(one!.resource, two!.resource, 'exporters group spans by resource identity');
});

test('public API: redactText uses the settings in force; redactingSpanExporter takes the options start() takes', async () => {
  const { redactText, redactingSpanExporter } = await import('../../../src/index.ts');
  assert.equal(
    redactText('card 4111 1111 1111 1111, mail jane@example.com'),
    'card [REDACTED:card], mail [REDACTED:email]',
  );
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor({
        exporter: redactingSpanExporter(memory, { redact: { disable: ['email'] }, userIdHmacKey: KEY }),
      }),
    ],
  });
  provider
    .getTracer('own')
    .startSpan('mine', { attributes: { note: 'jane@example.com paid with 4111 1111 1111 1111', 'user.id': 'jane' } })
    .end();
  await provider.forceFlush();
  const [span] = memory.getFinishedSpans();
  assert.equal(span!.attributes['note'], 'jane@example.com paid with [REDACTED:card]');
  assert.equal(span!.attributes['user.id'], hmac('jane'));
});
