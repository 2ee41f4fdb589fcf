const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds in a duration such as `90s`, `15m`, `24h`, `7d`; undefined when it is not one.
 *
 * @example
 * parseDuration('24h'); // 86400000
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (match === null) return undefined;
  const millis = Number(match[1]) * UNITS[match[2]!]!;
  return millis > 0 ? millis : undefined;
}
