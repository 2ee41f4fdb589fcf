// Texts that make careless patterns backtrack, each made at any length: for every built-in rule, the shapes that
// would make its pattern (or its pre-filter) slower than linear. Shared by the linear-time test and the bench row.

/** A hostile text of about `length` characters. */
export type HostileText = (length: number) => string;

const times = (unit: string, length: number): string => unit.repeat(Math.max(1, Math.floor(length / unit.length)));

/** Rule name (or `*` for the text engine and every rule) to the texts that expose its worst case. */
export const HOSTILE_INPUTS: Readonly<Record<string, Readonly<Record<string, HostileText>>>> = {
  private_key: {
    'BEGIN then words': (n) => `-----BEGIN ${times('A ', n)}`,
    'BEGIN repeated': (n) => times('-----BEGIN PRIVATE KEY-----', n),
    'unterminated block of END words': (n) => `-----BEGIN PRIVATE KEY-----${times('-----END A ', n)}`,
  },
  jwt: {
    'eyJ repeated': (n) => times('eyJ', n),
    'second part never ends': (n) => ` eyJhbGci.eyJ${'a'.repeat(n)}`,
    'words of eyJ': (n) => times(' eyJaaaaaa', n),
  },
  openai_key: { 'sk- repeated': (n) => times(' sk-', n), 'sk- words': (n) => times(' sk-proj-aaaa', n) },
  anthropic_key: { 'sk-ant- repeated': (n) => times(' sk-ant-a', n) },
  aws_access_key: { 'AKIA repeated': (n) => times('AKIA', n), 'AKIA words': (n) => times(' AKIA0123456789', n) },
  google_api_key: { 'AIza words': (n) => times(' AIza-_-_', n) },
  github_token: { 'ghp_ words': (n) => times(' ghp_abc', n), 'github_pat_ run': (n) => `github_pat_${'_'.repeat(n)}` },
  slack_token: {
    'xoxb- words': (n) => times(' xoxb-a', n),
    'webhook path': (n) => `https://hooks.slack.com/services/${times('a/', n)}`,
  },
  stripe_key: { 'sk_live_ words': (n) => times(' sk_live_a', n) },
  api_key: {
    'prefixes repeated': (n) =>
      times(
        ' hf_ gsk_ xai- pplx- r8_ lsv2_pt_ pcsk_ GOCSPX- 1//0 glpat- npm_ SG. xapp- fw_ tvly- fc- ya29. GR1348941',
        n,
      ),
    'SendGrid dots': (n) => times(' SG.a', n),
    'refresh token slashes': (n) => times('1//', n),
  },
  bearer_token: {
    'scheme then spaces': (n) => `Bearer${' '.repeat(n)}`,
    'schemes repeated': (n) => times('Bearer Token Basic ', n),
    'scheme words': (n) => times('Token a', n),
  },
  url_password: {
    'dotted scheme-like run': (n) => `${times('a.', n)}://x/ @`,
    'schemes repeated': (n) => times('a://', n),
    'user part never ends': (n) => `x://${times('a', n)}`,
    'password part never ends': (n) => `x://u:${times('a@', n)}`,
    'colons after scheme': (n) => `x://${times('a:', n)}`,
  },
  credential: {
    'spaces between key and =': (n) => `password${' '.repeat(n)}=`,
    'spaces between key and quote': (n) => `password${' '.repeat(n)}"${' '.repeat(n)}:`,
    'keys and spaces repeated': (n) => times(`password${' '.repeat(40)}`, n) + '=',
    'words before a key': (n) => `${times('a_', n)}password=`,
    'dotted words before a key': (n) => `${times('a.', n)}password=`,
    'one long word before a key': (n) => `${'x'.repeat(n)}password=`,
    'camel case keys': (n) => times('dbPassword', n) + '=',
    'assignments repeated': (n) => times('password="', n),
    'multi-word value': (n) => `db_password: ${times('ab ', n)}`,
    'flags repeated': (n) => times('--password ', n),
    ampersands: (n) => `password=${times('a&', n)}`,
  },
  email: {
    'local part never reaches @': (n) => `${'a'.repeat(n)}@`,
    'domain of dots': (n) => `x@${times('a.', n)}`,
    'domain of dashes': (n) => `x@${times('a-', n)}`,
    'at signs': (n) => times('a@a', n),
    'dotted local part': (n) => `${times('a.', n)}@`,
  },
  iban: { 'country and digits repeated': (n) => times('GB82 ', n), 'letters and digits': (n) => times('ab12', n) },
  card: { 'spaced digits': (n) => times('4 ', n), 'dashed digits': (n) => times('4-', n) },
  phone: {
    'spaced digits': (n) => times('1 ', n),
    parentheses: (n) => times('(1', n),
    'dashed digits': (n) => times('1-', n),
    'mixed separators': (n) => times('12 34-56.78 (90) ', n),
    'plus signs': (n) => times('+1 ', n),
  },
  us_ssn: { 'dashed groups': (n) => times('123-45-', n), digits: (n) => '1'.repeat(n) },
  uk_nino: { 'prefix and pairs': (n) => times('AB 12 ', n) },
  ca_sin: { groups: (n) => times('123 456 ', n) },
  fr_nir: { groups: (n) => times('1 85 ', n) },
  es_dni: { 'digits and letters': (n) => times('12345678-', n) },
  it_fiscal_code: { 'letters and digits': (n) => times('RSSMRA85', n) },
  in_aadhaar: { groups: (n) => times('2345 6789 ', n) },
  br_cpf: { 'dotted groups': (n) => times('123.456.', n) },
  ip: {
    'dotted digits': (n) => times('1.', n),
    'hex colons': (n) => times('a:', n),
    'digit colons': (n) => times('1:', n),
    'double colons': (n) => times('fe80::', n),
    'almost addresses': (n) => times('1.1.1.', n),
    'hex groups then a double colon': (n) => `${times('abcd:', n)}::`,
  },
  '*': {
    'JSON escapes': (n) => JSON.stringify(times('\n"', n)),
    backslashes: (n) => '\\'.repeat(n),
    'spaces before colons': (n) => times(' :', n),
    'spaces then one colon': (n) => `${' '.repeat(n)}:`,
  },
};
