import { printableUrl } from '../../config/printable.ts';
import { withoutCredentials } from './url-credentials.ts';

/** An HTTP error with its status, so callers can treat 404 ("nothing yet") apart from failures. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** The largest answer read from Jaeger or Prometheus unless GENAI_OTEL_CLI_MAX_RESPONSE_BYTES says otherwise (256 MiB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Of an error answer, only the start is read: it is shown cut to 200 characters anyway. */
const MAX_ERROR_BODY_BYTES = 4096;

/** How long one request may take unless GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS says otherwise: Jaeger can take 15 s and more on a large window. */
export const DEFAULT_REQUEST_TIMEOUT_MILLIS = 120_000;

/** GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS when it is a positive whole number, else the default. */
export function requestTimeoutMillis(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS?.trim() || Number.NaN);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_REQUEST_TIMEOUT_MILLIS;
}

/** GENAI_OTEL_CLI_MAX_RESPONSE_BYTES when it is a positive whole number, else the default. */
export function maxResponseBytes(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const value = Number(env.GENAI_OTEL_CLI_MAX_RESPONSE_BYTES?.trim() || Number.NaN);
  return Number.isSafeInteger(value) && value > 0 ? value : DEFAULT_MAX_RESPONSE_BYTES;
}

/**
 * The body of `response`, read up to `limit` bytes. Beyond it the rest is not read (the stream is cancelled, which
 * closes the connection) and the text is marked incomplete: a server must not be able to fill the CLI's memory.
 */
async function readBounded(response: Response, limit: number): Promise<{ text: string; complete: boolean }> {
  const reader = response.body?.getReader();
  if (reader === undefined) return { text: '', complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), complete: false };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}

/**
 * GETs `url` and parses JSON; a connection failure, a non-2xx status or an answer larger than `maxBytes`
 * (GENAI_OTEL_CLI_MAX_RESPONSE_BYTES, 256 MiB) rejects with a message naming the URL (without userinfo or query).
 *
 * @example
 * const body = await getJson('http://localhost:16686/api/v3/services');
 */
export async function getJson(url: string, timeoutMillis = 5000, maxBytes = maxResponseBytes()): Promise<unknown> {
  let response: Response;
  const target = withoutCredentials(url);
  try {
    response = await fetch(target.url, {
      signal: AbortSignal.timeout(timeoutMillis),
      headers: { accept: 'application/json', ...target.headers },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    if (cause === 'TimeoutError')
      throw new Error(
        `${new URL(url).origin} did not answer within ${timeoutMillis} ms (GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS): raise it, or narrow the query (a shorter --since)`,
      );
    throw new Error(`cannot reach ${new URL(url).origin} (${cause})`);
  }
  const where = printableUrl(url);
  if (!response.ok) {
    const { text } = await readBounded(response, MAX_ERROR_BODY_BYTES).catch(() => ({ text: '' }));
    throw new HttpError(response.status, `${response.status} from ${where}: ${text.slice(0, 200)}`);
  }
  let body: { text: string; complete: boolean };
  try {
    body = await readBounded(response, maxBytes);
  } catch (error) {
    throw new Error(`the answer of ${where} could not be read (${(error as Error).name})`);
  }
  if (!body.complete) {
    throw new Error(
      `the answer of ${where} is larger than ${maxBytes} bytes (GENAI_OTEL_CLI_MAX_RESPONSE_BYTES): narrow the query (e.g. a shorter --since) or raise that limit`,
    );
  }
  try {
    return JSON.parse(body.text);
  } catch {
    throw new Error(`${where} did not answer with JSON`);
  }
}
