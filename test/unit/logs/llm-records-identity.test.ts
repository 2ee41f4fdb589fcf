// Request/response records and identity hashing: with GENAI_OTEL_USER_ID_HMAC_KEY set, a record whose workload is its
// session carries the session id hashed as the span's session.id is, never in clear; a workload named by the app stays.
process.env.GENAI_OTEL_LLM_LOGS = 'true';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { installRedactingSdk, privacyFrom } from '../../support/redacting-sdk.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { RedactingLogRecordExporter } from '../../../src/privacy/log-exporter.ts';
import { createRedactor } from '../../../src/privacy/redactor.ts';

const KEY = 'records-test-key-0123456789';
const sdk = installRedactingSdk(privacyFrom({ GENAI_OTEL_USER_ID_HMAC_KEY: KEY }));
const hmac = (value: string) => `hmac-sha256:${createHmac('sha256', KEY).update(value).digest('hex')}`;
const messages = [{ role: 'user', content: 'Where is order 42?' }];
const answer = async () => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Tomorrow.' }, finish_reason: 'stop' }],
});

function lastRecord() {
  const record = sdk
    .logs()
    .filter((item) => item.eventName === 'genai_otel.llm.request_response')
    .at(-1);
  assert.ok(record, 'a request/response record was exported');
  return record;
}

test('the session id used as workload_id is hashed like session.id, and appears nowhere in clear', async () => {
  sdk.reset();
  await withContext({ sessionId: 'sess-alice-42' }, () =>
    withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, answer),
  );
  await sdk.flush();
  const record = lastRecord();
  assert.equal((record.body as Record<string, unknown>).workload_id, hmac('sess-alice-42'));
  assert.equal(record.attributes['session.id'], hmac('sess-alice-42'));
  assert.ok(!JSON.stringify({ body: record.body, attributes: record.attributes }).includes('sess-alice-42'));
});

test('a workload named by withContext is not an identity: it stays as set', async () => {
  sdk.reset();
  await withContext({ sessionId: 'sess-bob-7', workloadId: 'order-status' }, () =>
    withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, answer),
  );
  await sdk.flush();
  const record = lastRecord();
  assert.equal((record.body as Record<string, unknown>).workload_id, 'order-status');
  assert.equal(record.attributes['session.id'], hmac('sess-bob-7'));
});

test('with a key too short (identities dropped), the session is not the workload: workload_id falls back to default', async () => {
  sdk.reset();
  await withContext({ sessionId: 'sess-carol-9' }, () =>
    withLLMCall({ provider: 'openai', model: 'gpt-4o-mini', messages }, answer),
  );
  await sdk.flush();
  const raw = sdk
    .logs()
    .filter((item) => item.eventName === 'genai_otel.llm.request_response')
    .at(-1)!;
  const dropping = new RedactingLogRecordExporter(
    { export: () => undefined, shutdown: async () => undefined, forceFlush: async () => undefined },
    createRedactor(privacyFrom({ GENAI_OTEL_USER_ID_HMAC_KEY: 'short' })),
  );
  // The record as it leaves the SDK, before any redaction: the raw session id in the body and in session.id.
  const record = dropping.redactRecord({
    ...raw,
    body: { ...(raw.body as object), workload_id: 'sess-carol-9' },
    attributes: { ...raw.attributes, 'session.id': 'sess-carol-9' },
  });
  assert.equal((record.body as Record<string, unknown>).workload_id, 'default');
  assert.equal(record.attributes['session.id'], undefined);
});
