/**
 * A URL's `user:password@` as the Authorization header Node's http client would send for it, and the URL without
 * them: fetch() refuses URLs that carry credentials, while the OTLP exporter (node:http) turns them into Basic auth.
 * The CLI reads Jaeger and Prometheus, and `doctor` probes them, the way the exporter would reach them.
 *
 * @example
 * withoutCredentials('http://bob:s3cret@localhost:16686'); // { url: 'http://localhost:16686/', headers: { authorization: 'Basic Ym9iOnMzY3JldA==' } }
 */
export function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (parsed.username === '' && parsed.password === '') return { url, headers: {} };
  const user = safeDecode(parsed.username);
  const password = safeDecode(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.href,
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
