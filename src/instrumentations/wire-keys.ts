/** How deep the keys of a response are renamed: usage details and tool calls sit at most five levels down. */
const MAX_DEPTH = 6;

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * A copy of a client library's response with its camelCase keys put back into the wire's snake_case
 * (`finishReason` → `finish_reason`, `promptTokens` → `prompt_tokens`), so the shared readers of the wire format read
 * it. Plain objects and arrays only, a bounded depth, one pass: linear in the size of the response.
 *
 * @example
 * snakeCaseKeys({ usage: { promptTokens: 3 } }); // { usage: { prompt_tokens: 3 } }
 */
export function snakeCaseKeys(value: unknown, depth = 0): unknown {
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => snakeCaseKeys(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[snakeCase(key)] = snakeCaseKeys(item, depth + 1);
  return copy;
}
