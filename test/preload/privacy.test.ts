// Privacy in real child processes under the preload: what a leaky app (privacy-app.cjs) sends to the collector.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedLog,
  type ReceivedSpan,
} from '@genai-otel/mock-otlp-receiver';
import { fixture, otelEnv, runFixture } from '../support/run-fixture.ts';

const SECRETS = [
  'sk-proj-Rk3bQ8xZt2LmNpVw7YcA9dEfGhJkL0qS4uV6xY8zB1nM3pQ5',
  'jane.doe@example.com',
  '4111 1111 1111 1111',
  'alice@example.com',
];
const CONTENT_ATTRIBUTES = [
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.retrieval.query.text',
  'gen_ai.retrieval.documents',
  'gen_ai.memory.query.text',
  'gen_ai.memory.records',
];
const HMAC_KEY = 'test-only-key-0123456789abcdef';

let receiver: OtlpReceiver;
before(async () => {
  receiver = await startOtlpReceiver();
});
after(async () => {
  await receiver.close();
});

/** Runs the app against a freshly reset receiver: everything received afterwards is this run's. */
async function runApp(
  service: string,
  env: Record<string, string | undefined> = {},
  nodeArgs = ['--require', 'genai-otel/register'],
) {
  receiver.reset();
  const result = await runFixture(fixture('privacy-app.cjs'), {
    nodeArgs,
    env: otelEnv(receiver.url, { OTEL_SERVICE_NAME: service, OTEL_BLRP_SCHEDULE_DELAY: '100', ...env }),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /app finished/);
  const spans = await receiver.waitFor('spans', (all) => all.some((span) => span.name === 'audit'), 8000);
  const logs = await receiver.waitFor('logs', (all) => all.some((log) => log.scope.name === 'support-bot'), 8000);
  // The exact bytes that reached the collector, whatever the decoder makes of them.
  const payload = receiver
    .requests()
    .map((request) => request.body.toString('latin1'))
    .join('\n');
  return { result, spans, logs, payload };
}

const byName = (spans: ReceivedSpan[], name: string): ReceivedSpan => {
  const found = spans.find((span) => span.name === name);
  assert.ok(found, `span ${name} among ${spans.map((span) => span.name).join(', ')}`);
  return found;
};
const serverSpan = (spans: ReceivedSpan[]) => spans.find((span) => span.kind === 2 && span.scope.name.includes('http'));
const clientSpan = (spans: ReceivedSpan[]) => spans.find((span) => span.kind === 3 && span.scope.name.includes('http'));
const hmac = (value: string) => `hmac-sha256:${createHmac('sha256', HMAC_KEY).update(value).digest('hex')}`;

test('by default no content is captured, and no secret or personal data reaches the collector', async () => {
  const { spans, logs, payload } = await runApp('privacy-default');
  for (const span of spans) {
    for (const key of CONTENT_ATTRIBUTES) assert.equal(span.attributes[key], undefined, `${span.name} has no ${key}`);
  }
  assert.ok(!logs.some((log) => log.eventName === 'gen_ai.client.inference.operation.details'), 'no content event');
  // What the app set itself and what the HTTP instrumentation recorded are redacted or dropped.
  for (const secret of SECRETS)
    assert.ok(!payload.includes(secret), `${secret} is not in any request to the collector`);
  const server = serverSpan(spans);
  assert.ok(server, 'the HTTP server span arrived');
  assert.equal(server.attributes['http.request.header.authorization'], undefined);
  assert.equal(server.attributes['http.request.header.x-api-key'], undefined);
  assert.deepEqual(server.attributes['http.request.header.x-request-source'], ['fixture'], 'other headers are kept');
  assert.equal(clientSpan(spans)?.attributes['http.request.header.authorization'], undefined);
  assert.equal(server.attributes['app.customer.note'], 'prefers [REDACTED:email]');
  // Without an HMAC key identities are exported as set, but an e-mail used as an id is still an e-mail.
  assert.equal(server.attributes['user.id'], '[REDACTED:email]');
  assert.equal(server.attributes['session.id'], 'sess-42');
  const audit = byName(spans, 'audit');
  assert.equal(audit.attributes['audit.api_key'], undefined, 'an attribute named like a credential header is dropped');
  assert.equal(audit.attributes['audit.contact'], '[REDACTED:email]');
  const appLog = logs.find((log) => log.scope.name === 'support-bot');
  assert.match(
    String(appLog?.body),
    /^request from \[REDACTED:email\]: I am \[REDACTED:email\], employee EMP-004217; charge card \[REDACTED:card\]\. My key is \[REDACTED:openai_key\]\.$/,
  );
});

test('SPAN_AND_EVENT with an HMAC key: content on spans and on the correlated event, redacted; ids hashed wherever they come from', async () => {
  const { spans, logs, payload } = await runApp('privacy-capture', {
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_AND_EVENT',
    GENAI_OTEL_USER_ID_HMAC_KEY: HMAC_KEY,
  });
  for (const secret of SECRETS)
    assert.ok(!payload.includes(secret), `${secret} is not in any request to the collector`);

  const chat = byName(spans, 'chat gpt-4o-mini');
  const input = JSON.parse(String(chat.attributes['gen_ai.input.messages']));
  assert.deepEqual(input, [
    {
      role: 'user',
      parts: [
        {
          type: 'text',
          content:
            'I am [REDACTED:email], employee EMP-004217; charge card [REDACTED:card]. My key is [REDACTED:openai_key].',
        },
      ],
    },
  ]);
  assert.equal(
    JSON.parse(String(chat.attributes['gen_ai.system_instructions']))[0].content,
    'Never repeat [REDACTED:openai_key]',
  );
  assert.equal(
    JSON.parse(String(chat.attributes['gen_ai.output.messages']))[0].parts[0].content,
    'Charging [REDACTED:card] for [REDACTED:email].',
  );
  const tool = byName(spans, 'execute_tool charge_card');
  assert.deepEqual(JSON.parse(String(tool.attributes['gen_ai.tool.call.arguments'])), {
    card: '[REDACTED:card]',
    email: '[REDACTED:email]',
  });

  const event = logs.find((log: ReceivedLog) => log.eventName === 'gen_ai.client.inference.operation.details');
  assert.ok(event, 'the content event was exported');
  assert.equal(event.traceId, chat.traceId);
  assert.equal(event.spanId, chat.spanId);
  assert.equal(event.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(event.attributes['gen_ai.response.id'], 'chatcmpl-privacy');
  assert.equal(event.attributes['gen_ai.usage.input_tokens'], 42);
  const eventInput = event.attributes['gen_ai.input.messages'] as { role: string; parts: { content: string }[] }[];
  assert.equal(
    eventInput[0]!.parts[0]!.content,
    input[0]!.parts[0]!.content,
    'the event carries the same redacted content, structured',
  );

  const server = serverSpan(spans);
  assert.equal(server?.attributes['user.id'], hmac('alice@example.com'), 'baggage-derived user.id is hashed');
  assert.equal(server?.attributes['session.id'], hmac('sess-42'));
  const appLog = logs.find((log) => log.scope.name === 'support-bot');
  assert.equal(appLog?.attributes['user.id'], hmac('alice@example.com'), 'log attributes are hashed too');
});

test('attached to another SDK: what genai-otel exports is redacted', async () => {
  const { spans, payload, result } = await runApp(
    'privacy-attached',
    { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
    ['--require', fixture('other-sdk-first.cjs'), '--require', 'genai-otel/register'],
  );
  assert.match(result.stderr, /added its exporters to it/);
  assert.match(result.stdout, /their exporter saw: .*chat gpt-4o-mini/);
  for (const secret of SECRETS)
    assert.ok(!payload.includes(secret), `${secret} is not in any request to the collector`);
  assert.match(String(byName(spans, 'chat gpt-4o-mini').attributes['gen_ai.input.messages']), /\[REDACTED:card\]/);
});

test('GENAI_OTEL_REDACT_PATTERNS adds rules, GENAI_OTEL_REDACT_DISABLE switches one off, bad entries are reported', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-patterns-'));
  const file = join(directory, 'patterns.yaml');
  writeFileSync(file, 'employee_id: "EMP-\\\\d{6}"\nbroken: "(unclosed"\n');
  const { spans, result } = await runApp('privacy-patterns', {
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
    GENAI_OTEL_REDACT_PATTERNS: file,
    GENAI_OTEL_REDACT_DISABLE: 'card',
  });
  assert.match(
    result.stderr,
    /GENAI_OTEL_REDACT_PATTERNS="broken: \(unclosed" is not a valid regular expression \(Invalid regular expression: \/\(unclosed\/: Unterminated group\); this pattern is not applied/,
  );
  const content = JSON.parse(String(byName(spans, 'chat gpt-4o-mini').attributes['gen_ai.input.messages']))[0].parts[0]
    .content;
  assert.equal(
    content,
    'I am [REDACTED:email], employee [REDACTED:employee_id]; charge card 4111 1111 1111 1111. My key is [REDACTED:openai_key].',
  );
});

test('GENAI_OTEL_REDACT=off keeps text as it is, but credential headers are still dropped; limits apply to log records', async () => {
  const { spans, logs } = await runApp('privacy-off', {
    GENAI_OTEL_REDACT: 'off',
    OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64',
  });
  const server = serverSpan(spans);
  assert.equal(server?.attributes['app.customer.note'], 'prefers jane.doe@example.com');
  assert.equal(server?.attributes['http.request.header.authorization'], undefined);
  const appLog = logs.find((log) => log.scope.name === 'support-bot');
  assert.equal(
    String(appLog?.attributes['app.limit.probe']).length,
    64,
    'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT cuts log attributes',
  );
});

test('a bad GENAI_OTEL_USER_ID_HMAC_KEY is reported without its value, and identities are dropped rather than sent in clear', async () => {
  const { spans, result, payload } = await runApp('privacy-bad-key', { GENAI_OTEL_USER_ID_HMAC_KEY: 'short-key' });
  assert.match(
    result.stderr,
    /GENAI_OTEL_USER_ID_HMAC_KEY="\[value hidden\]" is not valid: must be at least 16 characters/,
  );
  assert.ok(!result.stderr.includes('short-key'));
  assert.equal(serverSpan(spans)?.attributes['user.id'], undefined);
  assert.equal(serverSpan(spans)?.attributes['session.id'], undefined);
  assert.ok(!payload.includes('sess-42'));
});
