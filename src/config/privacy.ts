import { yaml } from '../core/loaders.ts';
import {
  REDACTION_GROUP_NAMES,
  REDACTION_RULE_GROUPS,
  REDACTION_RULE_NAMES,
  type RedactionGroupName,
} from './redaction-rule-names.ts';
import type { StartOptions } from './start-options.ts';
import { parseErrorPlace, type EnvReader } from './parsers.ts';
import type { IdentityHandling, PrivacySettings, RedactionPattern } from './config-types.ts';

const PATTERNS_VARIABLE = 'GENAI_OTEL_REDACT_PATTERNS';
const KEY_VARIABLE = 'GENAI_OTEL_USER_ID_HMAC_KEY';
const MIN_KEY_LENGTH = 16;
const PATTERN_NAME = /^[a-z][a-z0-9_]{0,39}$/;
const PATTERN_FLAGS = /^[imsu]*$/;

/**
 * GENAI_OTEL_REDACT, GENAI_OTEL_REDACT_DISABLE, GENAI_OTEL_REDACT_PATTERNS and GENAI_OTEL_USER_ID_HMAC_KEY, with the
 * start options that override them. A bad value is reported and the safer choice is kept: an unknown rule name is
 * ignored (the rule stays on), a bad pattern is left out (the others apply), a key too short drops the identity
 * attributes instead of exporting them in clear.
 *
 * @example
 * resolvePrivacySettings(new EnvReader({ GENAI_OTEL_REDACT_DISABLE: 'ip' }), {}).disabledRules; // ['ip']
 */
export function resolvePrivacySettings(reader: EnvReader, options: StartOptions): PrivacySettings {
  const redactOption = options.redact;
  const redact = redactOption === undefined ? resolveSwitch(reader) : redactOption !== false;
  const objectOption = typeof redactOption === 'object' && redactOption !== null ? redactOption : undefined;
  const disabledRules =
    objectOption?.disable !== undefined
      ? expandRuleNames(reader, 'redact.disable (start option)', objectOption.disable.join(','))
      : expandRuleNames(reader, 'GENAI_OTEL_REDACT_DISABLE', reader.raw('GENAI_OTEL_REDACT_DISABLE'));
  const patterns =
    objectOption?.patterns !== undefined
      ? patternsFromOption(reader, objectOption.patterns)
      : patternsFromEnvironment(reader);
  return { redact, disabledRules, patterns, identity: resolveIdentity(reader, options.userIdHmacKey) };
}

function resolveSwitch(reader: EnvReader): boolean {
  const value = reader.raw('GENAI_OTEL_REDACT');
  if (value === undefined) return true;
  const lowered = value.toLowerCase();
  if (lowered === 'on' || lowered === 'true') return true;
  if (lowered === 'off' || lowered === 'false') return false;
  reader.problem('GENAI_OTEL_REDACT', value, 'accepted values are on, off (or true, false); redaction stays on');
  return true;
}

function expandRuleNames(reader: EnvReader, variable: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = new Set<string>();
  for (const item of value.split(',')) {
    const name = item.trim().toLowerCase();
    if (name === '') continue;
    if ((REDACTION_GROUP_NAMES as string[]).includes(name)) {
      for (const rule of REDACTION_RULE_GROUPS[name as RedactionGroupName]) names.add(rule);
    } else if ((REDACTION_RULE_NAMES as readonly string[]).includes(name)) {
      names.add(name);
    } else {
      reader.problem(
        variable,
        value,
        `"${item.trim()}" is not a redaction rule and is ignored (that rule stays on); accepted are the groups ${REDACTION_GROUP_NAMES.join(', ')} and the rules ${REDACTION_RULE_NAMES.join(', ')}`,
      );
    }
  }
  return [...names];
}

function resolveIdentity(reader: EnvReader, optionKey: string | undefined): IdentityHandling {
  const variable = optionKey === undefined ? KEY_VARIABLE : 'userIdHmacKey (start option)';
  const key = optionKey === undefined ? reader.raw(KEY_VARIABLE) : optionKey.trim();
  if (key === undefined || key === '') return { mode: 'keep' };
  if (key.length < MIN_KEY_LENGTH) {
    // The value is a secret: the diagnostic names the variable, never the value.
    reader.problem(
      variable,
      '[value hidden]',
      `must be at least ${MIN_KEY_LENGTH} characters (for example the output of \`openssl rand -hex 32\`); user.id, session.id and the other identity attributes are dropped until it is fixed`,
    );
    return { mode: 'drop' };
  }
  return { mode: 'hash', key };
}

function patternsFromOption(
  reader: EnvReader,
  given: readonly { name: string; pattern: string | RegExp }[],
): RedactionPattern[] {
  const patterns: RedactionPattern[] = [];
  for (const entry of given) {
    const source = entry?.pattern instanceof RegExp ? entry.pattern.source : entry?.pattern;
    const flags = entry?.pattern instanceof RegExp ? entry.pattern.flags.replace(/[gyd]/g, '') : '';
    const compiled = compilePattern(reader, 'redact.patterns (start option)', entry?.name, source, flags, patterns);
    if (compiled !== undefined) patterns.push(compiled);
  }
  return patterns;
}

/** Inline JSON (a value starting with `[` or `{`) or the path of a JSON or YAML file. */
function patternsFromEnvironment(reader: EnvReader): RedactionPattern[] {
  const value = reader.raw(PATTERNS_VARIABLE);
  if (value === undefined) return [];
  let document: unknown;
  if (value.startsWith('[') || value.startsWith('{')) {
    try {
      document = JSON.parse(value);
    } catch (error) {
      reader.problem(
        PATTERNS_VARIABLE,
        value,
        `is not valid JSON (${parseErrorPlace(error)}); no pattern of your own is applied`,
      );
      return [];
    }
  } else {
    try {
      const text = process.getBuiltinModule('node:fs').readFileSync(value, 'utf8');
      document = /\.ya?ml$/i.test(value) ? yaml().parse(text) : JSON.parse(text);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? parseErrorPlace(error);
      reader.problem(
        PATTERNS_VARIABLE,
        value,
        `could not be read as a JSON or YAML file of patterns (${reason}); no pattern of your own is applied`,
      );
      return [];
    }
  }
  const entries = patternEntries(document);
  if (entries === undefined) {
    reader.problem(
      PATTERNS_VARIABLE,
      value,
      'must be a list of {"name", "pattern", "flags"} or a map of name to pattern, e.g. {"employee_id": "EMP-\\\\d{6}"}; no pattern of your own is applied',
    );
    return [];
  }
  const patterns: RedactionPattern[] = [];
  for (const entry of entries) {
    const compiled = compilePattern(reader, PATTERNS_VARIABLE, entry.name, entry.pattern, entry.flags ?? '', patterns);
    if (compiled !== undefined) patterns.push(compiled);
  }
  return patterns;
}

interface PatternEntry {
  name: unknown;
  pattern: unknown;
  flags?: unknown;
}

function patternEntries(document: unknown): PatternEntry[] | undefined {
  if (Array.isArray(document)) {
    return document.map((item) =>
      typeof item === 'object' && item !== null ? (item as PatternEntry) : { name: undefined, pattern: item },
    );
  }
  if (typeof document === 'object' && document !== null) {
    return Object.entries(document).map(([name, item]) =>
      typeof item === 'object' && item !== null
        ? { name, pattern: (item as PatternEntry).pattern, flags: (item as PatternEntry).flags }
        : { name, pattern: item },
    );
  }
  return undefined;
}

function compilePattern(
  reader: EnvReader,
  variable: string,
  name: unknown,
  source: unknown,
  flags: unknown,
  accepted: readonly RedactionPattern[],
): RedactionPattern | undefined {
  const label = typeof name === 'string' ? name : String(name);
  const reject = (why: string): undefined => {
    reader.problem(variable, `${label}: ${String(source)}`, `${why}; this pattern is not applied`);
    return undefined;
  };
  if (typeof name !== 'string' || !PATTERN_NAME.test(name))
    return reject('the name must be lower case letters, digits and _ (it becomes [REDACTED:<name>])');
  if ((REDACTION_RULE_NAMES as readonly string[]).includes(name) || accepted.some((pattern) => pattern.name === name)) {
    return reject(`the name "${name}" is already taken`);
  }
  if (typeof source !== 'string' || source === '') return reject('the pattern must be a non-empty string');
  if (typeof flags !== 'string' || !PATTERN_FLAGS.test(flags)) return reject('flags may only be i, m, s and u');
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, flags);
  } catch (error) {
    return reject(`is not a valid regular expression (${(error as Error).message})`);
  }
  // A pattern that matches nothing at all would stamp [REDACTED] between every character.
  if (pattern.test('')) return reject('it matches the empty string');
  return { name, pattern: new RegExp(source, `${flags}g`) };
}
