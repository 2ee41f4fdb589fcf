import type { ModelPrice, TokenUsage } from '../llm-types.ts';

const PER_MILLION = 1_000_000;

/**
 * The cost in USD of one call. `inputTokens` includes cached tokens (the conventions' rule), so cache reads and
 * writes are taken out of it and priced at their own rates; reasoning tokens are part of `outputTokens` and are
 * priced apart only when the model has a reasoning price. Returns undefined when no token count is known.
 *
 * @example
 * costOfUsage({ inputTokens: 1000, outputTokens: 500 }, { input: 2.5, output: 10 }); // 0.0075
 */
export function costOfUsage(usage: TokenUsage, price: ModelPrice): number | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const uncachedInput = Math.max(0, (usage.inputTokens ?? 0) - cacheRead - cacheWrite);
  const output = usage.outputTokens ?? 0;
  const reasoning = Math.min(usage.reasoningOutputTokens ?? 0, output);
  const outputCost =
    price.reasoning === undefined
      ? output * price.output
      : (output - reasoning) * price.output + reasoning * price.reasoning;
  const total =
    uncachedInput * price.input +
    cacheRead * (price.cacheRead ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    outputCost;
  return total / PER_MILLION;
}
