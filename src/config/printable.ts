// What may be printed of a URL or a setting. Diagnostics, `doctor` and the CLI print through these two functions only,
// so that no credential reaches a terminal or a log: a URL loses its user:password@ and its query string (where API
// keys and signatures live), and the value of a variable that may hold a secret is never shown.

/** Stands for a value that is not printed. */
export const HIDDEN_VALUE = '[value hidden]';

/** Names of variables whose values may be credentials (header lists, keys, tokens, passwords). */
const SECRET_NAME = /HEADERS|KEY|SECRET|TOKEN|PASSW|CREDENTIAL|AUTH|COOKIE|SIGNATURE/i;
/** Names of variables that hold a URL. */
const URL_NAME = /ENDPOINT|_URL$/i;
/** Longest setting value printed. */
const MAX_PRINTED_LENGTH = 200;

/**
 * The URL without what may be a credential: userinfo (`user:password@`), query string and fragment are removed.
 * Works on text that is not a valid URL too (a typo must not print the password either). Linear in the length.
 *
 * @example
 * printableUrl('https://bob:s3cret@collector.example:4318/v1/traces?api_key=abc'); // 'https://collector.example:4318/v1/traces'
 */
export function printableUrl(url: string | undefined): string {
  const text = url ?? '';
  try {
    const parsed = new URL(text);
    if (parsed.host !== '')
      return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    // Not a URL: cut by hand below.
  }
  const scheme = text.indexOf('://');
  const start = scheme < 0 ? 0 : scheme + 3;
  let end = text.length;
  for (const separator of ['?', '#']) {
    const at = text.indexOf(separator, start);
    if (at >= 0 && at < end) end = at;
  }
  let authorityEnd = text.indexOf('/', start);
  if (authorityEnd < 0 || authorityEnd > end) authorityEnd = end;
  const userinfoEnd = text.lastIndexOf('@', authorityEnd - 1);
  const authorityStart = userinfoEnd >= start ? userinfoEnd + 1 : start;
  return text.slice(0, start) + text.slice(authorityStart, end);
}

/**
 * What may be printed of a setting's value in a diagnostic: nothing for a variable that may hold a secret (header
 * lists, keys, tokens, inline redaction patterns, any variable genai-otel does not know, since it may be a misspelt
 * secret), the printable form of a URL, else the value, cut to 200 characters.
 *
 * @example
 * printableSetting('OTEL_EXPORTER_OTLP_HEADERS', 'authorization=Bearer abc'); // '[value hidden]'
 * printableSetting('OTEL_EXPORTER_OTLP_ENDPOINT', 'https://u:p@host:4318'); // 'https://host:4318'
 */
export function printableSetting(variable: string, value: string, known = true): string {
  if (!known || SECRET_NAME.test(variable)) return HIDDEN_VALUE;
  // Inline patterns may spell out the very secrets they redact; a file path is fine to show.
  if (/PATTERNS/i.test(variable) && /^\s*[[{]/.test(value)) return HIDDEN_VALUE;
  if (URL_NAME.test(variable) || value.includes('://')) return cutToLength(printableUrl(value));
  return cutToLength(value);
}

function cutToLength(value: string): string {
  return value.length <= MAX_PRINTED_LENGTH ? value : `${value.slice(0, MAX_PRINTED_LENGTH)}…`;
}
