// The pre-filters in front of the redaction rules (each rule's mayMatch, the clues found once per text) only save
// work: redaction with them must give exactly what it gives when every rule's pattern runs over every text. Checked
// rule by rule (so that another rule cannot hide a miss) over the privacy corpus, in plain text and inside JSON, and
// over random text made of the fragments the rules and their filters look for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Redactor, createRedactor } from '../../../src/privacy/redactor.ts';
import { BUILT_IN_RULES, type DetectionRule } from '../../../src/privacy/rules/index.ts';
import {
  AUTH_SCHEME,
  DENSE_DIGITS,
  DIGIT_DOT_DIGIT,
  HEX_COLON,
  IBAN_START,
  SECRET_ASSIGNMENT,
  TextClues,
  containsAny,
} from '../../../src/privacy/rules/clues.ts';
import corpus from '../../privacy/corpus.json' with { type: 'json' };

const settings = { redact: true, disabledRules: [], patterns: [], identity: { mode: 'keep' as const } };
const unfiltered = (rule: DetectionRule): DetectionRule => ({ ...rule, mayMatch: () => true });

const corpusTexts = [
  ...corpus.positives,
  ...corpus.negatives,
  ...corpus.heldOut.positives,
  ...corpus.heldOut.negatives,
].map((entry) => entry.text);
/** Each corpus sentence as it is exported: alone, as gen_ai.input.messages, and as a JSON string inside JSON. */
const corpusForms = corpusTexts.flatMap((text) => {
  const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]);
  return [text, messages, JSON.stringify({ arguments: messages }), `${text}\n${text.toUpperCase()}`];
});

/** What the rules and their filters look for, and what sits around it, so that random text often comes close. */
const FRAGMENTS = [
  ...corpus.positives.map((entry) => entry.value),
  ...corpus.negatives.map((entry) => entry.value),
  'password',
  'PASSWD',
  'pwd',
  'client_secret',
  'api-key',
  'ApiKey',
  'access_token',
  'TOKEN',
  'secret_key',
  'Bearer ',
  'basic ',
  'BASIC',
  'password=',
  'Passwd: ',
  'PWD="',
  "api_key': ",
  'secret =',
  'refresh_token":"',
  'AUTH_TOKEN \t= ',
  'Token ',
  'TOKEN',
  'token=',
  'sig=',
  'X-Amz-Signature=',
  'SecretAccessKey": "',
  'dbPassword',
  '--password ',
  '--db-password ',
  '--',
  ' := ',
  ' => ',
  '&',
  '?',
  'passphrase',
  'credentials:',
  'const ',
  'readPassword()',
  'process.env.',
  '$DB_PASSWORD',
  ' horse battery',
  'hf_',
  'gsk_',
  'xai-',
  'pplx-',
  'r8_',
  'lsv2_pt_',
  'lsv2_sk_',
  'ls__',
  'pcsk_',
  'GOCSPX-',
  'ya29.',
  '1//0',
  'glpat-',
  'gldt-',
  'glrt-',
  'GR1348941',
  'npm_',
  'SG.',
  'xapp-',
  'sk-or-v1-',
  'sk-lf-',
  'fw_',
  'tvly-',
  'fc-',
  'tgp_v1_',
  'dop_v1_',
  'hvs.',
  'api_org_',
  'sk-',
  'sk-ant-',
  'sk-proj-',
  'sk_live_',
  'sk_test_',
  'rk_live_',
  'rk_test_',
  'whsec_',
  'eyJ',
  'AIza',
  'github_pat_',
  'xoxb-',
  'xoxp-',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'AKIA',
  'ASIA',
  'ABIA',
  'ACCA',
  'AGPA',
  'AIDA',
  'AROA',
  'ANPA',
  'ANVA',
  'AIPA',
  '.eyJ',
  'https://hooks.slack.com/services/',
  'hooks.slack.com',
  '-----BEGIN PRIVATE KEY-----',
  'PRIVATE KEY',
  'postgres://',
  '://',
  '@',
  '%40',
  ':',
  '::',
  '=',
  '"',
  "'",
  '\\n',
  '\\"',
  '\\u00e9',
  '\n',
  ' ',
  '  ',
  '-',
  '.',
  '(',
  ')',
  '+',
  '/',
  '#',
  '_',
  '0',
  '1',
  '2',
  '42',
  '415',
  '555',
  '0132',
  '4111',
  '1111 ',
  '12 34 56 ',
  '06 ',
  '+44 ',
  '(020) ',
  '192.168',
  '.1',
  'fe80',
  'a:b',
  'GB82',
  'DE89',
  'FR76',
  'WEST',
  'AB',
  'QQ',
  'SSN',
  'call me at ',
  'phone: ',
  'order #',
  'version ',
  'SIN ',
  'NIR',
  '2A',
  'X',
  'Z',
  'RSSMRA85T10A562S',
  'jane',
  'example.com',
  'x',
];
const fragment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,24}$/) },
  // Key material: the lengths the secret patterns want.
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z0-9]{16}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{20,48}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9 .()+-]{1,20}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const nearText = fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join(''));
const RUNS = 3000;

test('each rule, behind its pre-filter, redacts exactly what it redacts without one', () => {
  for (const rule of BUILT_IN_RULES) {
    const filtered = new Redactor(settings, [rule]);
    const plain = new Redactor(settings, [unfiltered(rule)]);
    for (const text of corpusForms)
      assert.equal(filtered.redactText(text), plain.redactText(text), `${rule.name}: ${JSON.stringify(text)}`);
    fc.assert(
      fc.property(nearText, (text) => filtered.redactText(text) === plain.redactText(text)),
      {
        numRuns: RUNS,
        examples: [
          ['1 2 3 4 5 6 7 8'],
          ['+1 2 3 4 5 6 7 8'],
          ['password \t  " \t =hunter2hunter2'],
          ['fe80::1ff:fe23:4567:890a'],
          ['--db-password s3cretpass'],
          ['Token 9944b09199c62bcf9418ad84'],
        ],
      },
    );
  }
});

test('all rules together, behind their pre-filters, redact exactly what they redact without them', () => {
  const filtered = createRedactor(settings);
  const plain = new Redactor(settings, BUILT_IN_RULES.map(unfiltered));
  for (const text of corpusForms) assert.equal(filtered.redactText(text), plain.redactText(text), JSON.stringify(text));
  fc.assert(
    fc.property(nearText, (text) => filtered.redactText(text) === plain.redactText(text)),
    { numRuns: RUNS },
  );
});

test('the clues of a text are found wherever their plain definitions match, and nowhere else', () => {
  const definitions: [number, RegExp][] = [
    [DENSE_DIGITS, /\d(?:\D{0,2}\d){5}/],
    [IBAN_START, /[A-Za-z]{2}\d{2}/],
    [DIGIT_DOT_DIGIT, /\d\.\d/],
    [HEX_COLON, /(?:^|[^\w:.])[0-9A-Fa-f]{1,4}:[0-9A-Fa-f:]|::/],
    [
      SECRET_ASSIGNMENT,
      /(?:password|passwd|passphrase|pwd|secret|key|token|sig|signature|credentials?)\s*["']?\s*[:=]/i,
    ],
    [AUTH_SCHEME, /bearer|basic|token/i],
  ];
  const check = (text: string): void => {
    const clues = new TextClues(text);
    for (const [clue, definition] of definitions)
      assert.equal(clues.has(clue), definition.test(text), `clue ${clue} in ${JSON.stringify(text)}`);
  };
  for (const text of corpusForms) check(text);
  // Several clues at one position (a digit starting both a dense run and an IBAN) must all be found.
  check('GB82 1234 5678 9012');
  check('1.2.3.4.5.6');
  check('token::');
  for (const word of ['password', 'PASSWD', 'Pwd', 'secret', 'key', 'token', 'pass', 'passw', 'secre']) {
    for (const assignment of [':', '=', ' : ', '\t\n=', '" =', "' :", '"  "=']) check(`${word}${assignment}x`);
  }
  for (const digits of [
    '1 2 3 4 5 6',
    '1) (2) (3) (4) (5) (6',
    '12  34  56',
    '1-2-3-4-5',
    '12345',
    '123456',
    '1a2b3c4d5e6',
  ])
    check(`no ${digits}.`);
  fc.assert(
    fc.property(nearText, (text) => (check(text), true)),
    { numRuns: RUNS },
  );
});

test('containsAny answers as includes does, wherever the anchor falls', () => {
  const literals = ['eyJ', 'sk-ant-', 'github_pat_', 'ghp_', 'hooks.slack.com'];
  const tests = [
    containsAny('J', ['eyJ']),
    containsAny('-', ['sk-ant-']),
    containsAny('_', ['github_pat_', 'ghp_']),
    containsAny('k', ['hooks.slack.com']),
  ];
  const expected = [['eyJ'], ['sk-ant-'], ['github_pat_', 'ghp_'], ['hooks.slack.com']];
  const text = fc
    .array(
      fc.oneof(
        fc.constantFrom(...literals, 'J', 'e', 'y', '-', '_', 'k', 's', 'sk', 'gh', 'p', 'hooks'),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 16 },
    )
    .map((parts) => parts.join(''));
  fc.assert(
    fc.property(text, (value) =>
      tests.every((has, index) => has(value) === expected[index]!.some((literal) => value.includes(literal))),
    ),
    { numRuns: RUNS, examples: [['Jey'], ['eyJ'], ['-sk-ant-'], ['sk-ant'], ['ghp_'], ['_ghp_']] },
  );
  // Text dense with the anchor, and literals on either side of it: the same answers, wherever the literal stands.
  const github = containsAny('_', ['ghp_', 'github_pat_']);
  for (const length of [0, 100, 255, 256, 257, 1000]) {
    assert.equal(github('_'.repeat(length)), false);
    assert.equal(github(`${'_'.repeat(length)}github_pat_`), true, `after ${length}`);
    for (const at of [0, 1, 250, 255, 256, 300])
      if (at <= length)
        assert.equal(github(`${'_'.repeat(at)}ghp${'_'.repeat(length - at + 1)}`), true, `ghp at ${at} of ${length}`);
  }
  const aws = containsAny('A', ['AKIA', 'ASIA', 'A']);
  assert.equal(aws('no capital a here'), false);
  assert.equal(aws('one A'), true, 'a literal that is the anchor alone');
  const keys = containsAny('A', ['AKIA', 'ASIA']);
  assert.equal(keys('A '.repeat(1000)), false);
  assert.equal(keys(`${'A '.repeat(1000)}ASIA`), true);
  assert.throws(() => containsAny('x', ['eyJ']), /anchor/);
});
