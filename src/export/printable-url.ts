/**
 * A URL as it may be printed: scheme, host, port and path only. Userinfo (`user:password@`), the query (`?api_key=`)
 * and the fragment often hold credentials and never appear in a diagnostic.
 *
 * @example
 * printableUrl('https://user:secret@otel.example.com:4318/v1/traces?api_key=abc'); // 'https://otel.example.com:4318/v1/traces'
 */
export function printableUrl(url: string | undefined): string {
  try {
    const parsed = new URL(url ?? '');
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an endpoint that is not a valid URL)';
  }
}
