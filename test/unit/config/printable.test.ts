// What diagnostics may print of URLs and settings: never a credential.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HIDDEN_VALUE, printableSetting, printableUrl } from '../../../src/config/printable.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';
import { threadMillis } from '../../support/cpu-clock.ts';

test('printableUrl drops userinfo, query string and fragment, valid URL or not', () => {
  const cases: [string, string][] = [
    [
      'https://bob:s3cret@collector.example:4318/v1/traces?api_key=abc#frag',
      'https://collector.example:4318/v1/traces',
    ],
    ['http://localhost:4318', 'http://localhost:4318'],
    ['http://token@127.0.0.1:4318/', 'http://127.0.0.1:4318'],
    ['http://[::1]:4318/v1/logs?sig=x', 'http://[::1]:4318/v1/logs'],
    // Not valid URLs: cut by hand all the same.
    ['http://bob:p@ss@host:bad/x?key=1', 'http://host:bad/x'],
    ['bob:s3cret@localhost:4318?token=abc', 'localhost:4318'],
    ['http://bob:s3cret@exa mple.com/path', 'http://exa mple.com/path'],
  ];
  for (const [given, expected] of cases) assert.equal(printableUrl(given), expected, given);
});

test('printableUrl never lets a password or a query value through (property)', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((text) => `S3CR3T${text}`);
  fc.assert(
    fc.property(
      fc.constantFrom('http', 'https', 'grpc', ''),
      fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
      secret,
      secret,
      fc.boolean(),
      (scheme, host, password, key, validPort) => {
        const url = `${scheme === '' ? '' : `${scheme}://`}user:${password}@${host}${validPort ? ':4318' : ':x!'}/v1/traces?api_key=${key}#${key}`;
        const printed = printableUrl(url);
        assert.ok(!printed.includes(password), `${url} -> ${printed}`);
        assert.ok(!printed.includes(key), `${url} -> ${printed}`);
      },
    ),
    { numRuns: 300 },
  );
});

test('printableUrl is linear: 10x the input takes about 10x the time, not 100x', () => {
  const hostile = (length: number) =>
    'http://' + '@a'.repeat(length / 2) + '?'.repeat(length / 4) + '/'.repeat(length / 4);
  /** Milliseconds per call, over calls lasting at least 40 ms together (the CPU clock may tick every 4 ms). */
  const time = (length: number) => {
    const text = hostile(length);
    const startedAt = threadMillis();
    let calls = 0;
    let elapsed = 0;
    do {
      printableUrl(text);
      calls++;
      elapsed = threadMillis() - startedAt;
    } while (elapsed < 40);
    return elapsed / calls;
  };
  time(20_000);
  const small = Math.min(time(20_000), time(20_000), time(20_000));
  const large = Math.min(time(200_000), time(200_000), time(200_000));
  assert.ok(large / small < 40, `10x longer input took ${(large / small).toFixed(1)}x the time`);
});

test('printableSetting hides header lists, keys, tokens and inline patterns; strips URLs', () => {
  assert.equal(printableSetting('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer abc'), HIDDEN_VALUE);
  assert.equal(printableSetting('GENAI_OTEL_USER_ID_HMAC_KEY', 'short'), HIDDEN_VALUE);
  assert.equal(
    printableSetting('GENAI_OTEL_REDACT_PATTERNS', '[{"name":"mine","pattern":"sk-live-123"}]'),
    HIDDEN_VALUE,
  );
  assert.equal(printableSetting('GENAI_OTEL_REDACT_PATTERNS', './patterns.yaml'), './patterns.yaml');
  assert.equal(printableSetting('OTEL_EXPORTER_OTLP_ENDPOINT', 'https://u:p@host:4318?api_key=1'), 'https://host:4318');
  assert.equal(
    printableSetting('OTEL_RESOURCE_ATTRIBUTES', 'db=postgres://admin:hunter2@db:5432/app'),
    'db=postgres://db:5432/app',
  );
  assert.equal(printableSetting('OTEL_TRACES_SAMPLER', 'sometimes'), 'sometimes');
});

test('configuration problems never carry a secret: misspelt variables, bad URLs, bad headers', () => {
  const { problems } = resolveConfig({
    GENAI_OTEL_USER_ID_HMAC_KY: 'hmac-secret-value-123456',
    GENAI_OTEL_LLM_LOG: 'sk-proj-abcdefabcdef',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://admin:hunter2@collector:4318/?api_key=k-123',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://admin:hunter2@[bad/v1/traces?token=t-456',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer tok-789,broken',
  });
  const printed = problems.map(formatConfigProblem).join('\n');
  for (const secret of ['hmac-secret-value', 'sk-proj', 'hunter2', 'k-123', 't-456', 'tok-789'])
    assert.ok(!printed.includes(secret), `${secret} printed in:\n${printed}`);
  assert.match(
    printed,
    /GENAI_OTEL_USER_ID_HMAC_KY="\[value hidden\]" is not a genai-otel variable and is ignored; did you mean GENAI_OTEL_USER_ID_HMAC_KEY\?/,
  );
  assert.match(
    printed,
    /GENAI_OTEL_LLM_LOG="\[value hidden\]" is not a genai-otel variable and is ignored; did you mean GENAI_OTEL_LLM_LOGS\?/,
  );
  assert.match(printed, /OTEL_EXPORTER_OTLP_ENDPOINT="ftp:\/\/collector:4318" is not valid/);
});
