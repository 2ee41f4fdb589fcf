import { printableSetting } from './printable.ts';
import type { ConfigProblem } from './config-types.ts';

/**
 * Reads raw strings and records a `ConfigProblem` for every value it cannot use, so that a bad value
 * never stops the application: the caller always gets a usable result (the default).
 */
const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export class EnvReader {
  readonly problems: ConfigProblem[] = [];
  readonly env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.env = env;
  }

  /** The trimmed value, or undefined when unset or blank (the OTel spec treats empty as unset). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** The first of `names` that is set, with its name. */
  first(names: readonly string[]): { name: string; value: string } | undefined {
    for (const name of names) {
      const value = this.raw(name);
      if (value !== undefined) return { name, value };
    }
    return undefined;
  }

  /**
   * Records a problem once, even when a shared variable (OTEL_EXPORTER_OTLP_*) is read for each signal. The value is
   * kept only in its printable form (printableSetting): a problem is printed, and must never carry a secret.
   */
  problem(variable: string, givenValue: string, message: string): void {
    const value = printableSetting(variable, givenValue);
    if (
      this.problems.some(
        (problem) => problem.variable === variable && problem.value === value && problem.message === message,
      )
    )
      return;
    this.problems.push({ variable, value, message });
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lowered = value.toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
    this.problem(name, value, `accepted values are true, false; using ${fallback}`);
    return fallback;
  }

  /** A whole number within [min, max]. */
  integer(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return this.integerValue(name, value, fallback, min, max);
  }

  integerValue(name: string, value: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const parsed = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problem(name, value, `accepted values are whole numbers from ${min} to ${max}; using ${fallback}`);
      return fallback;
    }
    return parsed;
  }

  /** A finite number within [min, max]. */
  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      this.problem(name, value, `accepted values are numbers from ${min} to ${max}; using ${fallback}`);
      return fallback;
    }
    return parsed;
  }

  /**
   * A duration such as `90s`, `12h`, `7d`, `2w` in milliseconds; `0` or `none` is 0 (no limit). Anything else is
   * reported with the accepted forms and the fallback is used.
   */
  duration(name: string, fallback: number, fallbackText: string): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const trimmed = value.trim().toLowerCase();
    if (trimmed === '0' || trimmed === 'none') return 0;
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(trimmed);
    const millis = match === null ? Number.NaN : Number(match[1]) * DURATION_UNITS[match[2]!]!;
    if (!Number.isSafeInteger(Math.round(millis)) || millis <= 0) {
      this.problem(
        name,
        value,
        `accepted values are a duration such as 12h, 7d or 4w (units ms, s, m, h, d, w), or 0 for no limit; using ${fallbackText}`,
      );
      return fallback;
    }
    return Math.round(millis);
  }

  /** One of `accepted` (case-insensitive). */
  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return this.oneOfValue(name, value, accepted, fallback);
  }

  oneOfValue<T extends string>(name: string, value: string, accepted: readonly T[], fallback: T): T {
    const lowered = value.toLowerCase();
    const match = accepted.find((candidate) => candidate === lowered);
    if (match !== undefined) return match;
    this.problem(name, value, `accepted values are ${accepted.join(', ')}; using ${fallback}`);
    return fallback;
  }

  /** A comma-separated list whose items are each one of `accepted`; unknown items are reported and skipped. */
  listOf<T extends string>(name: string, accepted: readonly T[], fallback: readonly T[]): T[] {
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    const items: T[] = [];
    for (const item of value.split(',')) {
      const lowered = item.trim().toLowerCase();
      if (lowered === '') continue;
      const match = accepted.find((candidate) => candidate === lowered);
      if (match === undefined) {
        this.problem(name, value, `"${item.trim()}" is not supported; accepted values are ${accepted.join(', ')}`);
      } else if (!items.includes(match)) {
        items.push(match);
      }
    }
    return items.length > 0 || value.trim() === '' ? items : [...fallback];
  }

  /** W3C-baggage-style `key1=value1,key2=value2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, *_HEADERS). */
  keyValueList(name: string): Record<string, string> {
    const value = this.raw(name);
    const result: Record<string, string> = {};
    if (value === undefined) return result;
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const separator = pair.indexOf('=');
      const key = separator > 0 ? pair.slice(0, separator).trim() : '';
      if (key === '') {
        this.problem(
          name,
          redactIfSecret(name, value),
          `"${redactIfSecret(name, pair.trim())}" is not of the form key=value; it was skipped`,
        );
        continue;
      }
      const rawValue = pair.slice(separator + 1).trim();
      try {
        result[key] = decodeURIComponent(rawValue);
      } catch {
        result[key] = rawValue;
      }
    }
    return result;
  }

  /** An absolute http(s) URL. */
  url(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return this.urlValue(name, value);
  }

  urlValue(name: string, value: string): string | undefined {
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value;
    } catch {
      // reported below
    }
    this.problem(name, value, 'accepted values are absolute http:// or https:// URLs; using the default');
    return undefined;
  }
}

/** Header values carry credentials: diagnostics must never print them. */
export function redactIfSecret(variable: string, value: string): string {
  return printableSetting(variable, value);
}

/**
 * Where a JSON or YAML parser stopped (`at position 12`, `at line 3, column 5`), without the excerpt of the text
 * its message quotes: that text may be a secret.
 *
 * @example
 * parseErrorPlace(new SyntaxError('Unexpected token \'s\', "[sk-1]" is not valid JSON')); // 'no position given'
 */
export function parseErrorPlace(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const place = /\b(at position \d+(?: \(line \d+ column \d+\))?|at line \d+, column \d+)/.exec(message.slice(0, 500));
  return place === null ? 'no position given' : place[1]!;
}

/** Levenshtein distance, for "did you mean" hints on misspelt variable names. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
