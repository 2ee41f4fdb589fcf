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

/**
 * GETs `url` and parses JSON; a connection failure or a non-2xx status rejects with a message naming the URL.
 *
 * @example
 * const body = await getJson('http://localhost:16686/api/v3/services');
 */
export async function getJson(url: string, timeoutMillis = 5000): Promise<unknown> {
  let response: Response;
  const target = withoutCredentials(url);
  try {
    response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMillis), headers: { accept: 'application/json', ...target.headers } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new Error(`cannot reach ${new URL(url).origin} (${cause})`);
  }
  const text = await response.text();
  if (!response.ok) throw new HttpError(response.status, `${response.status} from ${printableUrl(url)}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${printableUrl(url)} did not answer with JSON`);
  }
}
