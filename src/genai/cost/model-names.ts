/**
 * Reduces a model name as APIs report it to the name prices are listed under: dated snapshots
 * (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`, `claude-3-5-sonnet@20240620`), Bedrock ids
 * (`us.anthropic.claude-3-5-haiku-20241022-v1:0`), Gemini resource names (`models/gemini-2.0-flash`),
 * `-latest` aliases and OpenAI fine-tunes (`ft:gpt-4o-mini-2024-07-18:org::id`).
 *
 * @example
 * normalizeModelName('gpt-4o-2024-08-06'); // 'gpt-4o'
 */
export function normalizeModelName(model: string): string {
  let name = model.trim().toLowerCase();
  const fineTune = /^ft:([^:]+):/.exec(name);
  if (fineTune?.[1] !== undefined) name = fineTune[1];
  name = name.replace(/^models\//, '');
  name = name.replace(/^(us|eu|apac|us-gov|global)\./, '');
  name = name.replace(/^(anthropic|meta|mistral|cohere|amazon|ai21|deepseek|openai|writer|qwen)\./, '');
  name = name.replace(/-v\d+(:\d+)?$/, '');
  name = name.replace(/@\d{8}$/, '');
  name = name.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  name = name.replace(/-\d{8}$/, '');
  name = name.replace(/-latest$/, '');
  return name;
}

/** Providers that sell the same models at the same list prices as another provider. */
const PRICE_SOURCES: Record<string, string[]> = {
  'azure.ai.openai': ['openai'],
  'azure.ai.inference': ['openai'],
  'gcp.vertex_ai': ['gcp.gemini', 'anthropic'],
  'gcp.gen_ai': ['gcp.gemini'],
  'aws.bedrock': ['anthropic', 'mistral_ai', 'cohere', 'deepseek'],
};

/** The providers whose prices may be used for `provider`, most specific first. */
export function priceProvidersFor(provider: string): string[] {
  return [provider, ...(PRICE_SOURCES[provider] ?? [])];
}
