import { Buffer } from 'node:buffer';
import type { Attributes } from '@opentelemetry/api';
import type { PrivacySettings } from '../config/config-types.ts';
import { keyVerdict } from './attribute-keys.ts';
import { createIdentityHasher } from './identity-hash.ts';
import { BUILT_IN_RULES, isCardNumber, type DetectionRule } from './rules/index.ts';
import { TextClues } from './rules/clues.ts';
import { rulesetOf } from './redaction-marker.ts';

/** Deeper values than this are not walked: they are dropped, as a value that cannot be checked must be. */
const MAX_DEPTH = 32;
/** Nothing a built-in rule looks for fits in fewer characters: the shortest is an IPv6 address ("::2", "a::b"). */
const BUILT_IN_MIN_LENGTH = 3;
/**
 * Short values repeat on every span (model, provider, server address, finish reason): their results are remembered.
 * The memory holds nothing the queued spans do not already hold.
 */
const CACHED_TEXT_LENGTH = 256;
const CACHED_TEXTS = 4096;

export const redactedLabel = (name: string): string => `[REDACTED:${name}]`;

/** An attribute map after redaction, and how many attributes were dropped from it. */
export interface RedactedAttributes {
  attributes: Attributes;
  dropped: number;
}

/**
 * Applies the privacy settings to values on their way out. Copy-on-write throughout: what holds nothing to redact is
 * returned as the very same object, so that a clean span costs a scan and no allocation.
 *
 * @example
 * const redactor = createRedactor(config.privacy);
 * redactor.redactText('write to jane@example.com'); // 'write to [REDACTED:email]'
 */
export class Redactor {
  private readonly rules: readonly DetectionRule[];
  private readonly labels: readonly string[];
  private readonly credentialKeys: boolean;
  private readonly cardNumbers: boolean;
  private readonly settings: PrivacySettings;
  private readonly hashIdentity: ((value: string) => string) | undefined;
  /** Shorter text is returned as it is; a user's pattern may match less ("[0-9]{4}"), so it is given everything. */
  private readonly minLength: number;
  private readonly recent = new Map<string, string>();
  /** The built-in rule set this redactor applies whole (see rulesetOf), stated on the resources it exports. */
  readonly ruleset: string | undefined;

  constructor(settings: PrivacySettings, rules: readonly DetectionRule[]) {
    this.settings = settings;
    this.rules = rules;
    this.ruleset = rulesetOf(rules);
    this.minLength = rules.every((rule) => BUILT_IN_RULES.includes(rule)) ? BUILT_IN_MIN_LENGTH : 1;
    this.labels = rules.map((rule) => redactedLabel(rule.name));
    this.credentialKeys = rules.some((rule) => rule.name === 'credential');
    this.cardNumbers = rules.some((rule) => rule.name === 'card');
    this.hashIdentity = settings.identity.mode === 'hash' ? createIdentityHasher(settings.identity.key) : undefined;
  }

  /** Free text with every match of every rule replaced by `[REDACTED:<rule>]`. Throws if a rule fails. */
  redactText(text: string): string {
    if (text.length < this.minLength || this.rules.length === 0) return text;
    if (text.length > CACHED_TEXT_LENGTH) return this.scanText(text);
    let redacted = this.recent.get(text);
    if (redacted === undefined) {
      redacted = this.scanText(text);
      // Bounded: ids unique to each call would otherwise fill it.
      if (this.recent.size >= CACHED_TEXTS) this.recent.clear();
      this.recent.set(text, redacted);
    }
    return redacted;
  }

  private scanText(text: string): string {
    let output = text;
    // Matching runs on a copy where JSON escapes (\n, \u00e9) are blanked to spaces of the same length, so that a value
    // inside a JSON string is found as in plain text and replacements never cut an escape in two.
    const escaped = text.includes('\\');
    let scan = escaped ? blankEscapes(text) : text;
    let clues = new TextClues(scan);
    for (let index = 0; index < this.rules.length; index++) {
      const rule = this.rules[index]!;
      if (!rule.mayMatch(scan, clues)) continue;
      const ranges = findRanges(rule, scan);
      if (ranges.length === 0) continue;
      const label = this.labels[index]!;
      output = splice(output, ranges, label);
      scan = escaped ? splice(scan, ranges, label) : output;
      clues = new TextClues(scan);
    }
    return output;
  }

  /**
   * Any attribute or log body value: strings are scanned, arrays and maps walked (their keys judged as attribute
   * keys are), numbers checked for card numbers. `undefined` means the value must go. Throws if a rule fails.
   */
  redactValue(value: unknown, depth = 0): unknown {
    switch (typeof value) {
      case 'string':
        return this.redactText(value);
      case 'number':
        // A card number stored as a number is still a card number; timestamps and ids start with 1 and fail the check.
        return this.cardNumbers && Math.abs(value) >= 1e12 && Number.isSafeInteger(value) && isCardNumber(String(value))
          ? redactedLabel('card')
          : value;
      case 'object':
        break;
      default:
        return value;
    }
    if (value === null || value instanceof Uint8Array) return value;
    if (depth >= MAX_DEPTH) throw new RangeError('value nested too deeply to check');
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item = value[index] as unknown;
        let redacted = this.redactValue(item, depth + 1);
        // A command line as an array (`process.command_args`): the argument after `--password` is the password (a key
        // a rule recognised keeps the label saying which).
        if (redacted === item && this.credentialKeys && index > 0 && isSecretFlag(value[index - 1]) && !isFlag(item))
          redacted = redactedLabel('credential');
        if (redacted !== item) (copy ??= value.slice())[index] = redacted;
      }
      return copy ?? value;
    }
    const { attributes } = this.redactMap(value as Attributes, depth + 1, undefined);
    return attributes;
  }

  /**
   * An attribute map with credential headers dropped, identities hashed and every value redacted. A value whose
   * redaction fails is dropped, never kept raw, and `onFailure` hears of it.
   */
  redactAttributes(attributes: Attributes | undefined, onFailure: (error: unknown) => void): RedactedAttributes {
    if (attributes === undefined) return { attributes: {}, dropped: 0 };
    return this.redactMap(attributes, 0, onFailure);
  }

  private redactMap(
    map: Attributes,
    depth: number,
    onFailure: ((error: unknown) => void) | undefined,
  ): RedactedAttributes {
    let copy: Attributes | undefined;
    let dropped = 0;
    for (const key of Object.keys(map)) {
      const value = map[key];
      let redacted: unknown;
      try {
        redacted = this.redactEntry(key, value, depth);
      } catch (error) {
        // Nested maps let the failure reach the top-level attribute, which is dropped whole.
        if (onFailure === undefined) throw error;
        onFailure(error);
        redacted = undefined;
      }
      if (redacted === value) continue;
      copy ??= { ...map };
      if (redacted === undefined) {
        delete copy[key];
        dropped++;
      } else {
        copy[key] = redacted;
      }
    }
    return { attributes: copy ?? map, dropped };
  }

  private redactEntry(key: string, value: unknown, depth: number): unknown {
    if (value === undefined) return value;
    switch (keyVerdict(key)) {
      case 'drop':
        return undefined;
      case 'credential':
        return this.credentialKeys ? redactedLabel('credential') : this.redactValue(value, depth);
      case 'identity':
        return this.redactIdentity(value, depth);
      default:
        return this.redactValue(value, depth);
    }
  }

  /**
   * An identity (`user.id`, `session.id`) as the settings want it exported: hashed, `undefined` when identities are
   * dropped, else redacted like any value.
   *
   * @example
   * redactor.redactIdentity('sess-42'); // 'hmac-sha256:…' with GENAI_OTEL_USER_ID_HMAC_KEY set
   */
  redactIdentity(value: unknown, depth = 0): unknown {
    switch (this.settings.identity.mode) {
      case 'drop':
        return undefined;
      case 'hash':
        if (Array.isArray(value)) return value.map((item) => this.hashIdentity!(String(item)));
        return this.hashIdentity!(String(value));
      default:
        return this.redactValue(value, depth);
    }
  }
}

/**
 * The redactor for these settings: the built-in rules not switched off, then the user's own patterns; none of them
 * when redaction is off (credential headers and identity hashing still apply).
 *
 * @example
 * createRedactor({ redact: true, disabledRules: ['ip'], patterns: [], identity: { mode: 'keep' } });
 */
export function createRedactor(settings: PrivacySettings): Redactor {
  if (!settings.redact) return new Redactor(settings, []);
  const disabled = new Set(settings.disabledRules);
  const rules: DetectionRule[] = BUILT_IN_RULES.filter((rule) => !disabled.has(rule.name));
  for (const custom of settings.patterns)
    rules.push({
      name: custom.name,
      mayMatch: () => true,
      pattern: new RegExp(custom.pattern.source, custom.pattern.flags),
    });
  return new Redactor(settings, rules);
}

/** `--password`, `--db-password`, `--api-key`, `-token`: a flag whose next argument is a secret. */
const SECRET_FLAG =
  /^--?(?:[A-Za-z0-9]+[_.-]){0,4}[A-Za-z0-9]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|private[_-]?key|secret[_-]?key)$/i;
const isSecretFlag = (value: unknown): boolean =>
  typeof value === 'string' && value.length <= 64 && value.startsWith('-') && SECRET_FLAG.test(value);
const isFlag = (value: unknown): boolean => typeof value === 'string' && value.startsWith('-') && value.length > 1;

function findRanges(rule: DetectionRule, text: string): [number, number][] {
  const ranges: [number, number][] = [];
  const pattern = rule.pattern;
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    const located = rule.locate === undefined ? [match.index, match.index + match[0].length] : rule.locate(match, text);
    if (located === undefined) continue;
    let [start, end] = located;
    while (start < end && text.charCodeAt(start) === 32) start++;
    while (end > start && text.charCodeAt(end - 1) === 32) end--;
    const previous = ranges[ranges.length - 1];
    if (end > start && (previous === undefined || start >= previous[1])) ranges.push([start, end]);
  }
  return ranges;
}

function splice(text: string, ranges: readonly [number, number][], label: string): string {
  let output = '';
  let last = 0;
  for (const [start, end] of ranges) {
    output += text.slice(last, start) + label;
    last = end;
  }
  return output + text.slice(last);
}

/**
 * `\"` keeps a quote (`" `) so that quoted values inside JSON strings are still seen as quoted (the range trimming
 * drops the space), `\n` and `\r` keep their line break (a value that runs to the end of its line stops there as in
 * plain text); every other escape (`\t`, `\\`, `\u00e9`) becomes spaces. A backslash that ends the text stays.
 *
 * One copy of the text's code units, written over at each escape by a loop over character codes, and read back as a
 * string: a replacement per escape (a callback and a string each) cost ~50 ms of CPU over 1 MB of escapes. Text that
 * is all ASCII is copied one byte per character, so that the patterns then run over a one-byte string, as they do
 * over the text itself.
 */
function blankEscapes(text: string): string {
  const oneByte = Buffer.byteLength(text, 'utf8') === text.length;
  const encoding = oneByte ? 'latin1' : 'utf16le';
  const units = Buffer.from(text, encoding);
  // A unit's index in bytes is its index in characters times the width; in UTF-16 (little-endian) the high byte is
  // the second, set to zero as every replacement is ASCII (the escaped character need not be: `\é`).
  const width = oneByte ? 1 : 2;
  const last = text.length - 1;
  for (let index = text.indexOf('\\'); index !== -1 && index < last;) {
    const next = text.charCodeAt(index + 1);
    let length = 2;
    let kept = 32;
    if (next === 34) kept = 34;
    else if (next === 110) kept = 10;
    else if (next === 114) kept = 13;
    else if (
      next === 117 &&
      index + 5 <= last &&
      isHex(text.charCodeAt(index + 2)) &&
      isHex(text.charCodeAt(index + 3)) &&
      isHex(text.charCodeAt(index + 4)) &&
      isHex(text.charCodeAt(index + 5))
    )
      length = 6;
    units[index * width] = kept;
    for (let offset = 1; offset < length; offset++) units[(index + offset) * width] = 32;
    if (width === 2) for (let offset = 0; offset < length; offset++) units[(index + offset) * 2 + 1] = 0;
    // The next escape: a scan of character codes, cheaper than a search call when escapes are dense.
    index += length;
    while (index < last && text.charCodeAt(index) !== 92) index++;
    if (index >= last) break;
  }
  return units.toString(encoding);
}

const isHex = (code: number): boolean =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
