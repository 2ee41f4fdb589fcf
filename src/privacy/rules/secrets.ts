import { AUTH_SCHEME, containsAny } from './clues.ts';
import { whole, looksGenerated, type DetectionRule } from './rule.ts';

// Secrets: API keys of the major providers, tokens, private keys, passwords. They run first, so that
// `Bearer sk-proj-…` says which key it was and later rules never see key material.

export const PRIVATE_KEY: DetectionRule = {
  name: 'private_key',
  mayMatch: (text) => text.includes('PRIVATE KEY'),
  // A block cut short (by truncation) has no END line: everything after BEGIN goes, up to the end of the text or of
  // the JSON string it sits in (key material holds no quote).
  pattern:
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?=")|$)/g,
};

export const JWT: DetectionRule = {
  name: 'jwt',
  mayMatch: containsAny('J', ['eyJ']),
  pattern: /(?<![\w-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
};

export const ANTHROPIC_KEY: DetectionRule = {
  name: 'anthropic_key',
  mayMatch: containsAny('-', ['sk-ant-']),
  pattern: /(?<![\w-])sk-ant-[A-Za-z0-9_-]{20,}/g,
};

export const OPENAI_KEY: DetectionRule = {
  name: 'openai_key',
  mayMatch: containsAny('-', ['sk-']),
  pattern: /(?<![\w-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g,
};

export const AWS_ACCESS_KEY: DetectionRule = {
  name: 'aws_access_key',
  mayMatch: containsAny('A', ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'ANPA', 'ANVA', 'AIPA']),
  pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
};

export const GOOGLE_API_KEY: DetectionRule = {
  name: 'google_api_key',
  mayMatch: (text) => text.includes('AIza'),
  pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g,
};

export const GITHUB_TOKEN: DetectionRule = {
  name: 'github_token',
  mayMatch: containsAny('_', ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']),
  pattern: /(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g,
};

/** The webhook address is searched by its slashes, rarer in prose than its letters. */
const hasSlackHook = containsAny('/', ['://hooks.slack.com/']);

export const SLACK_TOKEN: DetectionRule = {
  name: 'slack_token',
  mayMatch: (text, clues) => text.includes('xox') || text.includes('xapp-') || hasSlackHook(text, clues),
  // Bot, user and workspace tokens (xox…), app-level tokens (xapp-1-…) and incoming-webhook addresses.
  pattern: /(?<![\w-])(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9_/]+/g,
};

export const STRIPE_KEY: DetectionRule = {
  name: 'stripe_key',
  mayMatch: containsAny('_', ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_']),
  // Publishable keys (pk_) are public by design and stay.
  pattern: /(?<![\w-])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{20,})/g,
};

export const BEARER_TOKEN: DetectionRule = {
  name: 'bearer_token',
  mayMatch: (_text, clues) => clues.has(AUTH_SCHEME),
  // `Token` is the scheme of Django REST framework and others (`Authorization: Token 9944b0…`).
  pattern: /\b(?:Bearer|Basic|Token)\s{1,16}([A-Za-z0-9._~+/-]{16,}=*)/gi,
  locate: (match) => (looksGenerated(match[1]!) ? whole(match) : undefined),
};

export const URL_PASSWORD: DetectionRule = {
  name: 'url_password',
  mayMatch: (text) => (text.includes('@') || text.includes('%40')) && text.includes('://'),
  // Only the password goes: `postgres://app:[REDACTED:url_password]@db:5432` still says which database. The scheme
  // starts where a run of scheme characters starts (a scan from inside `a.b.c…` would be quadratic). A password may
  // hold `@`, `#` and `:` written raw: it runs to the last `@` before the path.
  pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/@?#"'\\[\]]*:([^\s/?"'\\[\]]+)@/g,
  // The password is what the match ends with, before its `@` (no `d` flag: offsets of groups cost an allocation each).
  locate: (match) => {
    const end = match.index + match[0].length - 1;
    return [end - match[1]!.length, end];
  },
};

export { CREDENTIAL } from './credential.ts';
