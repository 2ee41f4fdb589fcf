// The redaction rules and the text engine: check digits, rule names, JSON-safe replacement, settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  brazilianCpfValid,
  frenchNirValid,
  ibanValid,
  italianFiscalCodeValid,
  luhnValid,
  spanishIdValid,
  verhoeffValid,
} from '../../../src/privacy/checksums.ts';
import { BUILT_IN_RULES } from '../../../src/privacy/rules/index.ts';
import { REDACTION_RULE_NAMES } from '../../../src/config/redaction-rule-names.ts';
import { createRedactor } from '../../../src/privacy/redactor.ts';
import { keyVerdict } from '../../../src/privacy/attribute-keys.ts';
import { ResourceRedactor } from '../../../src/privacy/resource-redactor.ts';
import corpus from '../../privacy/corpus.json' with { type: 'json' };

const defaults = { redact: true, disabledRules: [], patterns: [], identity: { mode: 'keep' as const } };
const redactor = createRedactor(defaults);

test('check digits accept the published examples and reject a changed digit', () => {
  assert.ok(luhnValid('4539148803436467') && !luhnValid('4539148803436468'));
  assert.ok(
    ibanValid('GB82WEST12345698765432') && !ibanValid('GB82WEST12345698765433') && !ibanValid('GB82WEST1234569876543'),
  );
  assert.ok(verhoeffValid('234567890124') && !verhoeffValid('234567890123'));
  assert.ok(frenchNirValid('185057800608491') && !frenchNirValid('185057800608436'));
  assert.ok(frenchNirValid('185022A12345682'), 'Corsica (2A) counts as 19');
  assert.ok(spanishIdValid('12345678Z') && spanishIdValid('X1234567L') && !spanishIdValid('12345678A'));
  assert.ok(italianFiscalCodeValid('RSSMRA85T10A562S') && !italianFiscalCodeValid('RSSMRA85T10A562X'));
  assert.ok(brazilianCpfValid('52998224725') && !brazilianCpfValid('52998224726') && !brazilianCpfValid('11111111111'));
});

test('every rule name has exactly one rule, in the order they run', () => {
  assert.deepEqual([...BUILT_IN_RULES.map((rule) => rule.name)].sort(), [...REDACTION_RULE_NAMES].sort());
  // Secrets run before the rest: a key inside a URL or an assignment says which key it was.
  const order = BUILT_IN_RULES.map((rule) => rule.name);
  assert.ok(order.indexOf('openai_key') < order.indexOf('bearer_token'));
  assert.ok(order.indexOf('bearer_token') < order.indexOf('credential'));
  assert.ok(order.indexOf('card') < order.indexOf('phone'));
  assert.equal(
    redactor.redactText('Authorization: Bearer sk-proj-Rk3bQ8xZt2LmNpVw7YcA9dEfGhJk'),
    'Authorization: Bearer [REDACTED:openai_key]',
  );
  assert.equal(
    redactor.redactText('api_key="sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0G"'),
    'api_key="[REDACTED:anthropic_key]"',
  );
});

test('redacting inside JSON strings keeps the JSON valid, however deeply it is nested', () => {
  const all = [...corpus.positives, ...corpus.heldOut.positives];
  for (const entry of all) {
    const once = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: entry.text }] }]);
    const twice = JSON.stringify({ arguments: once });
    const thrice = JSON.stringify({ log: twice });
    const inner = JSON.parse(JSON.parse(JSON.parse(redactor.redactText(thrice)).log).arguments);
    assert.ok(!inner[0].parts[0].content.includes(entry.value), `${entry.kind}: ${inner[0].parts[0].content}`);
  }
});

test('a value too short to be checked is one no rule can match: short IPv6 addresses are redacted alone as in a sentence', () => {
  for (const address of ['::10', '1::', 'a::b']) {
    assert.equal(redactor.redactText(`host ${address} down`), 'host [REDACTED:ip] down');
    assert.equal(redactor.redactText(address), '[REDACTED:ip]');
  }
  assert.equal(redactor.redactText('::1'), '::1');
});

test('a private key cut short by truncation is removed to the end of its text', () => {
  const truncated = 'here: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC…[truncated]';
  assert.equal(redactor.redactText(truncated), 'here: [REDACTED:private_key]');
  assert.equal(
    redactor.redactText(JSON.stringify({ key: truncated, next: 'kept' })),
    '{"key":"here: [REDACTED:private_key]","next":"kept"}',
  );
});

test('several matches of several rules in one value', () => {
  assert.equal(
    redactor.redactText('jane@example.com, +44 20 7946 0958, 4111 1111 1111 1111 and again jane@example.com'),
    '[REDACTED:email], [REDACTED:phone], [REDACTED:card] and again [REDACTED:email]',
  );
});

test('redaction off: text passes unchanged, credential headers are still judged by key', () => {
  const off = createRedactor({ ...defaults, redact: false });
  assert.equal(
    off.redactText('jane@example.com sk-proj-Rk3bQ8xZt2LmNpVw7YcA9dEfGhJk'),
    'jane@example.com sk-proj-Rk3bQ8xZt2LmNpVw7YcA9dEfGhJk',
  );
  const { attributes } = off.redactAttributes(
    {
      'http.request.header.authorization': ['Bearer x'],
      'http.request.header.x-api-key': 'k',
      note: 'jane@example.com',
    },
    () => undefined,
  );
  assert.deepEqual(attributes, { note: 'jane@example.com' });
});

test('attribute keys: credential headers are dropped, secret-named keys replaced, identities recognised, the rest scanned', () => {
  for (const key of [
    'http.request.header.authorization',
    'http.response.header.set-cookie',
    'http.request.header.x-api-key',
    'rpc.grpc.request.metadata.x-goog-api-key',
    'openai.api_key',
    'http.request.header.proxy-authorization',
    'x_api_key',
  ]) {
    assert.equal(keyVerdict(key), 'drop', key);
  }
  for (const key of [
    'db.password',
    'oauth.client_secret',
    'app.refresh_token',
    'DB_PASSWORD',
    'aws.session_token',
    'aws.secret_access_key',
    'gpg.passphrase',
  ])
    assert.equal(keyVerdict(key), 'credential', key);
  for (const key of ['user.id', 'session.id', 'enduser.id', 'user.email'])
    assert.equal(keyVerdict(key), 'identity', key);
  for (const key of [
    'gen_ai.usage.input_tokens',
    'gen_ai.usage.output_tokens',
    'app.api_key_name',
    'http.request.header.accept',
    'password_policy',
  ])
    assert.equal(keyVerdict(key), 'scan', key);
});

test('a user pattern runs after the built-in rules and is labelled with its name', () => {
  const custom = createRedactor({ ...defaults, patterns: [{ name: 'employee_id', pattern: /EMP-\d{6}/g }] });
  assert.equal(
    custom.redactText('EMP-004217 wrote from jane@example.com'),
    '[REDACTED:employee_id] wrote from [REDACTED:email]',
  );
});

test('a command line: the value after --password or --db-password goes, as a string and as process.command_args', () => {
  assert.equal(
    redactor.redactText('node app.js --password hunter22 --db-password "s3cret pass" --port 8080'),
    'node app.js --password [REDACTED:credential] --db-password "[REDACTED:credential]" --port 8080',
  );
  const args = [
    '/usr/bin/node',
    'app.js',
    '--password',
    'hunter2',
    '--db-password',
    'pw',
    '--api-key',
    '--verbose',
    '--port',
    '8080',
  ];
  assert.deepEqual(redactor.redactValue(args), [
    '/usr/bin/node',
    'app.js',
    '--password',
    '[REDACTED:credential]',
    '--db-password',
    '[REDACTED:credential]',
    '--api-key',
    '--verbose',
    '--port',
    '8080',
  ]);
  const resources = new ResourceRedactor(redactor, () => assert.fail('no failure expected'));
  const redacted = resources.redact(
    resourceFromAttributes({ 'process.command_args': args, 'process.command_line': args.join(' ') }),
  );
  assert.deepEqual((redacted.attributes['process.command_args'] as string[])[3], '[REDACTED:credential]');
  assert.ok(!String(redacted.attributes['process.command_line']).includes('hunter2'));
});

test('a value that runs to the end of its line stops at a JSON newline escape as at a newline', () => {
  const text = JSON.stringify({ config: 'db_password: correct horse battery staple\nport: 5432' });
  assert.equal(JSON.parse(redactor.redactText(text)).config, 'db_password: [REDACTED:credential]\nport: 5432');
});

test('a password holding & keeps none of its tail; the next query parameter stays', () => {
  assert.equal(redactor.redactText('password=Tr0ub&dor&3x'), 'password=[REDACTED:credential]');
  assert.equal(
    redactor.redactText('/login?user=bob&password=hunter22&next=/home'),
    '/login?user=bob&password=[REDACTED:credential]&next=/home',
  );
});

test('api_key: a key of every documented prefix goes, a word that only starts like one stays', () => {
  const body = (length: number, alphabet = 'aB3dE5gH7jK9mN1pQ2sT4vW6yZ8') =>
    Array.from({ length }, (_, index) => alphabet[(index * 7) % alphabet.length]).join('');
  const hex = (length: number) => body(length, '0123456789abcdef');
  const keys = [
    `hf_${body(34)}`,
    `api_org_${body(34)}`,
    `gsk_${body(52)}`,
    `xai-${body(80)}`,
    `pplx-${body(48)}`,
    `r8_${body(37)}`,
    `lsv2_pt_${hex(32)}_${hex(10)}`,
    `lsv2_sk_${hex(32)}_${hex(10)}`,
    `ls__${hex(32)}`,
    `pcsk_${body(5)}_${body(60)}`,
    `sk-or-v1-${hex(64)}`,
    `sk-lf-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    `fw_${body(24)}`,
    `tvly-dev-${body(32)}`,
    `fc-${hex(32)}`,
    `tgp_v1_${body(43)}`,
    `GOCSPX-${body(28)}`,
    `ya29.${body(60)}`,
    `1//0${body(90)}`,
    `glpat-${body(20)}`,
    `gldt-${body(20)}`,
    `glrt-${body(20)}`,
    `glptt-${hex(40)}`,
    `GR1348941${body(20)}`,
    `npm_${body(36)}`,
    `SG.${body(22)}.${body(43)}`,
    `dop_v1_${hex(64)}`,
    `hvs.${body(95)}`,
  ];
  for (const key of keys) assert.equal(redactor.redactText(`key ${key} here`), 'key [REDACTED:api_key] here', key);
  for (const text of [
    'hf_hub_download()',
    'the glpat- prefix',
    'SG. Jones',
    'npm_config_cache',
    'fw_version_2',
    'SKU 12345',
  ])
    assert.equal(redactor.redactText(text), text);
});
