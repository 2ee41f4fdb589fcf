// GENAI_OTEL_REDACT, GENAI_OTEL_REDACT_DISABLE, GENAI_OTEL_REDACT_PATTERNS, GENAI_OTEL_USER_ID_HMAC_KEY and their start options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';
import { createRedactor } from '../../../src/privacy/redactor.ts';

const resolve = (env: Record<string, string>, options = {}) => {
  const { config, problems } = resolveConfig(env, options);
  return { privacy: config.privacy, messages: problems.map(formatConfigProblem) };
};

test('defaults: redaction on with every rule, no pattern of your own, identities exported as set', () => {
  const { privacy, messages } = resolve({});
  assert.deepEqual(privacy, { redact: true, disabledRules: [], patterns: [], identity: { mode: 'keep' } });
  assert.deepEqual(messages, []);
});

test('GENAI_OTEL_REDACT accepts on/off/true/false; anything else keeps redaction on and says so', () => {
  assert.equal(resolve({ GENAI_OTEL_REDACT: 'off' }).privacy.redact, false);
  assert.equal(resolve({ GENAI_OTEL_REDACT: 'FALSE' }).privacy.redact, false);
  assert.equal(resolve({ GENAI_OTEL_REDACT: 'on' }).privacy.redact, true);
  const bad = resolve({ GENAI_OTEL_REDACT: 'sometimes' });
  assert.equal(bad.privacy.redact, true);
  assert.deepEqual(bad.messages, [
    'GENAI_OTEL_REDACT="sometimes" is not valid: accepted values are on, off (or true, false); redaction stays on',
  ]);
});

test('GENAI_OTEL_REDACT_DISABLE takes rule names and groups; an unknown name is reported and that rule stays on', () => {
  assert.deepEqual(resolve({ GENAI_OTEL_REDACT_DISABLE: 'ip, Phone' }).privacy.disabledRules, ['ip', 'phone']);
  assert.deepEqual(resolve({ GENAI_OTEL_REDACT_DISABLE: 'national_id' }).privacy.disabledRules, [
    'us_ssn',
    'uk_nino',
    'ca_sin',
    'fr_nir',
    'es_dni',
    'it_fiscal_code',
    'in_aadhaar',
    'br_cpf',
  ]);
  const typo = resolve({ GENAI_OTEL_REDACT_DISABLE: 'ip,emails' });
  assert.deepEqual(typo.privacy.disabledRules, ['ip']);
  assert.equal(typo.messages.length, 1);
  assert.match(
    typo.messages[0]!,
    /^GENAI_OTEL_REDACT_DISABLE="ip,emails" is not valid: "emails" is not a redaction rule and is ignored \(that rule stays on\); accepted are the groups contact, financial, national_id, network, secret and the rules email, phone, card, iban, /,
  );
  const redactor = createRedactor(resolve({ GENAI_OTEL_REDACT_DISABLE: 'ip' }).privacy);
  assert.equal(redactor.redactText('from 203.0.113.9 by jane@example.com'), 'from 203.0.113.9 by [REDACTED:email]');
});

test('GENAI_OTEL_REDACT_PATTERNS: inline JSON as a list or a map, with flags', () => {
  const list = resolve({ GENAI_OTEL_REDACT_PATTERNS: '[{"name":"employee_id","pattern":"emp-\\\\d{6}","flags":"i"}]' })
    .privacy.patterns;
  assert.equal(list.length, 1);
  assert.equal(list[0]!.name, 'employee_id');
  assert.equal(list[0]!.pattern.flags, 'gi');
  const map = resolve({ GENAI_OTEL_REDACT_PATTERNS: '{"ticket":"TCK-[0-9]+","badge":{"pattern":"B\\\\d{4}"}}' }).privacy
    .patterns;
  assert.deepEqual(
    map.map((pattern) => pattern.name),
    ['ticket', 'badge'],
  );
  const redactor = createRedactor(resolve({ GENAI_OTEL_REDACT_PATTERNS: '{"ticket":"TCK-[0-9]+"}' }).privacy);
  assert.equal(redactor.redactText('see TCK-4411 and TCK-9'), 'see [REDACTED:ticket] and [REDACTED:ticket]');
});

test('GENAI_OTEL_REDACT_PATTERNS: a JSON or YAML file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-patterns-'));
  writeFileSync(join(directory, 'patterns.json'), JSON.stringify([{ name: 'order_ref', pattern: 'ORD-\\d+' }]));
  writeFileSync(join(directory, 'patterns.yml'), '- name: order_ref\n  pattern: ORD-\\d+\n  flags: i\n');
  assert.equal(
    resolve({ GENAI_OTEL_REDACT_PATTERNS: join(directory, 'patterns.json') }).privacy.patterns[0]!.name,
    'order_ref',
  );
  assert.equal(
    resolve({ GENAI_OTEL_REDACT_PATTERNS: join(directory, 'patterns.yml') }).privacy.patterns[0]!.pattern.source,
    'ORD-\\d+',
  );
  const missing = resolve({ GENAI_OTEL_REDACT_PATTERNS: join(directory, 'nope.yaml') });
  assert.deepEqual(missing.privacy.patterns, []);
  assert.match(
    missing.messages[0]!,
    /GENAI_OTEL_REDACT_PATTERNS=".*nope\.yaml" is not valid: could not be read as a JSON or YAML file of patterns \(ENOENT/,
  );
});

test('GENAI_OTEL_REDACT_PATTERNS: each bad entry is reported and left out, the good ones apply', () => {
  const { privacy, messages } = resolve({
    GENAI_OTEL_REDACT_PATTERNS: JSON.stringify({
      good: 'G-\\d+',
      'Bad Name': 'x',
      email: 'y',
      broken: '(',
      empty: 'a*',
      flagged: { pattern: 'z', flags: 'g' },
    }),
  });
  assert.deepEqual(
    privacy.patterns.map((pattern) => pattern.name),
    ['good'],
  );
  assert.deepEqual(messages, [
    'GENAI_OTEL_REDACT_PATTERNS="Bad Name: x" is not valid: the name must be lower case letters, digits and _ (it becomes [REDACTED:<name>]); this pattern is not applied',
    'GENAI_OTEL_REDACT_PATTERNS="email: y" is not valid: the name "email" is already taken; this pattern is not applied',
    'GENAI_OTEL_REDACT_PATTERNS="broken: (" is not a valid regular expression (Invalid regular expression: /(/: Unterminated group); this pattern is not applied',
    'GENAI_OTEL_REDACT_PATTERNS="empty: a*" is not valid: it matches the empty string; this pattern is not applied',
    'GENAI_OTEL_REDACT_PATTERNS="flagged: z" is not valid: flags may only be i, m, s and u; this pattern is not applied',
  ]);
  const notJson = resolve({ GENAI_OTEL_REDACT_PATTERNS: '{oops' });
  // Inline patterns may spell out the secrets they redact: neither the value nor the parser's excerpt of it is shown.
  assert.match(
    notJson.messages[0]!,
    /^GENAI_OTEL_REDACT_PATTERNS="\[value hidden\]" is not valid JSON \(at position \d+.*\); no pattern of your own is applied$/,
  );
  assert.doesNotMatch(notJson.messages[0]!, /oops/);
});

test('GENAI_OTEL_USER_ID_HMAC_KEY: 16 characters or more hash; a shorter key drops identities and is never printed', () => {
  assert.deepEqual(resolve({ GENAI_OTEL_USER_ID_HMAC_KEY: '0123456789abcdef' }).privacy.identity, {
    mode: 'hash',
    key: '0123456789abcdef',
  });
  const short = resolve({ GENAI_OTEL_USER_ID_HMAC_KEY: 'tooshort' });
  assert.deepEqual(short.privacy.identity, { mode: 'drop' });
  assert.equal(short.messages.length, 1);
  assert.ok(!short.messages[0]!.includes('tooshort'));
  assert.match(
    short.messages[0]!,
    /^GENAI_OTEL_USER_ID_HMAC_KEY="\[value hidden\]" is not valid: must be at least 16 characters/,
  );
});

test('start options override the environment', () => {
  const env = {
    GENAI_OTEL_REDACT_DISABLE: 'ip',
    GENAI_OTEL_REDACT_PATTERNS: '{"a":"A\\\\d"}',
    GENAI_OTEL_USER_ID_HMAC_KEY: 'from-env-0123456789',
  };
  const off = resolve(env, { redact: false });
  assert.equal(off.privacy.redact, false);
  const custom = resolve(env, {
    redact: { disable: ['secret'], patterns: [{ name: 'badge', pattern: /B-\d{4}/i }] },
    userIdHmacKey: 'from-options-0123456789',
  });
  assert.equal(custom.privacy.redact, true);
  assert.ok(custom.privacy.disabledRules.includes('jwt') && !custom.privacy.disabledRules.includes('ip'));
  assert.deepEqual(
    custom.privacy.patterns.map((pattern) => [pattern.name, pattern.pattern.flags]),
    [['badge', 'gi']],
  );
  assert.deepEqual(custom.privacy.identity, { mode: 'hash', key: 'from-options-0123456789' });
});
