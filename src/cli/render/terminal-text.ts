// Text that came from telemetry or from a server is shown, never obeyed. A span, model, tool or session name is
// chosen by whoever sent the telemetry; printed raw, an escape sequence in it could set the window title (OSC 0),
// write to the clipboard (OSC 52), plant a hyperlink (OSC 8) or clear the screen (CSI 2J), and a bidi override could
// make text read other than it is. Every such character is shown as a `\uXXXX` escape instead: visible, and valid
// inside JSON strings, so JSON output stays parseable and means the same data.

/** C0 controls, DEL, C1 controls, line and paragraph separators, bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, less tab, carriage return and line feed: what a CSV cell may hold (it is quoted then). */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_CELL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Output lines: our own colour codes (SGR, `ESC [ … m`) are kept, line feeds separate lines, the rest is escaped. */
const UNSAFE_IN_OUTPUT =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-9;]*m|[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escaped = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A value from telemetry or a server, safe to print: every control character is shown as `\uXXXX`.
 *
 * @example
 * terminalSafe('checkout\u001b]0;pwned\u0007'); // 'checkout\\u001b]0;pwned\\u0007'
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** Like terminalSafe, but tab, CR and LF stay: for CSV cells, which are quoted when they hold them. */
export function cellSafe(text: string): string {
  return text.replace(UNSAFE_IN_CELL, escaped);
}

/**
 * A copy of `value` with every string in it (object keys too) made terminal-safe: what a renderer takes from
 * telemetry before it builds its lines. Numbers, booleans and bigints are kept as they are.
 *
 * @example
 * renderTrace(terminalSafeDeep(spans), style);
 */
export function terminalSafeDeep<T>(value: T): T {
  return copySafe(value, 0) as T;
}

function copySafe(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return terminalSafe(value);
  if (typeof value !== 'object' || value === null || depth > 64) return value;
  if (Array.isArray(value)) return value.map((item) => copySafe(item, depth + 1));
  if (value instanceof Map)
    return new Map([...value].map(([key, item]) => [copySafe(key, depth + 1), copySafe(item, depth + 1)]));
  if (value instanceof Set) return new Set([...value].map((item) => copySafe(item, depth + 1)));
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[terminalSafe(key)] = copySafe(item, depth + 1);
  return copy;
}

/**
 * The last guard before a terminal: what the CLI writes to stdout and stderr goes through here. Line feeds and the
 * colour codes of render/style.ts pass; any other control character is escaped.
 *
 * @example
 * process.stdout.write(`${terminalOutput(line)}\n`);
 */
export function terminalOutput(text: string): string {
  return text.replace(UNSAFE_IN_OUTPUT, (match) => (match.length > 1 ? match : escaped(match)));
}
