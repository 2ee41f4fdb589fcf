import { BUILT_IN_RULES, type DetectionRule } from './rules/index.ts';

let builtInRuleset: string | undefined;

/**
 * The name of the built-in rule set: `builtin-` and 16 hex digits of a hash (two FNV-1a 32-bit sums) of every rule's
 * name and pattern. Any change to a rule changes it, so a collector configured for one rule set never trusts another
 * (the unit test that compares it with collector/privacy.yaml then says the collector's value needs a review). Not a
 * cryptographic hash, and needs none: it names a rule set, it proves nothing; and the preload must not load node:crypto.
 *
 * @example
 * builtInRulesetName(); // 'builtin-3f0c…'
 */
export function builtInRulesetName(): string {
  if (builtInRuleset === undefined) {
    const text = BUILT_IN_RULES.map((rule) => `${rule.name}\n${rule.pattern.source}\n${rule.pattern.flags}\n`).join('');
    builtInRuleset = `builtin-${fnv1a(text, 0x811c9dc5)}${fnv1a(text, 0x050c5d1f)}`;
  }
  return builtInRuleset;
}

/** FNV-1a over the UTF-16 code units of `text`, from `basis`, as 8 hex digits. */
function fnv1a(text: string, basis: number): string {
  let hash = basis >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The value of `genai_otel.redaction.ruleset` that a redactor applying `rules` states, or undefined when it must state
 * none: with pattern redaction off or a built-in rule switched off, the collector's pattern rules would catch what this
 * process let through. The user's own patterns only add to the set. (Identities are not part of it: the collector
 * hashes or drops `user.id` and `session.id` for everyone, a few cheap statements.)
 *
 * @example
 * rulesetOf(BUILT_IN_RULES); // 'builtin-3f0c…'
 */
export function rulesetOf(rules: readonly DetectionRule[]): string | undefined {
  return BUILT_IN_RULES.every((rule) => rules.includes(rule)) ? builtInRulesetName() : undefined;
}
