import { nodeCrypto } from '../core/loaders.ts';
import { BUILT_IN_RULES, type DetectionRule } from './rules/index.ts';

let builtInRuleset: string | undefined;

/**
 * The name of the built-in rule set: `builtin-` and the first 16 hex digits of a SHA-256 over every rule's name and
 * pattern. Any change to a rule changes it, so a collector configured for one rule set never trusts another (the
 * unit test that compares it with collector/config.yaml then says the collector's value needs a review).
 *
 * @example
 * builtInRulesetName(); // 'builtin-3f0c…'
 */
export function builtInRulesetName(): string {
  if (builtInRuleset === undefined) {
    const hash = nodeCrypto().createHash('sha256');
    for (const rule of BUILT_IN_RULES) hash.update(`${rule.name}\n${rule.pattern.source}\n${rule.pattern.flags}\n`);
    builtInRuleset = `builtin-${hash.digest('hex').slice(0, 16)}`;
  }
  return builtInRuleset;
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
