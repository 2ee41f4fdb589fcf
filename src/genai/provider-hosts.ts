import { genaiSettings } from '../config/genai-settings.ts';

/**
 * The `gen_ai.provider.name` of the services that speak the OpenAI wire format from their own hosts, by host name
 * (exact) or domain suffix (a leading dot). Names in the conventions' list where it has one (deepseek, groq,
 * mistral_ai, x_ai, perplexity, ...), else the service's name in the same style.
 */
const KNOWN_HOSTS: readonly [string, string][] = [
  ['api.openai.com', 'openai'],
  ['.openai.azure.com', 'azure.ai.openai'],
  ['.cognitiveservices.azure.com', 'azure.ai.openai'],
  ['.services.ai.azure.com', 'azure.ai.inference'],
  ['models.inference.ai.azure.com', 'azure.ai.inference'],
  ['api.deepseek.com', 'deepseek'],
  ['api.groq.com', 'groq'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.x.ai', 'x_ai'],
  ['api.perplexity.ai', 'perplexity'],
  ['api.moonshot.ai', 'moonshot_ai'],
  ['api.moonshot.cn', 'moonshot_ai'],
  ['api.cohere.ai', 'cohere'],
  ['api.cohere.com', 'cohere'],
  ['api.anthropic.com', 'anthropic'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['.aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['.amazonaws.com', 'aws.bedrock'],
  ['api.together.xyz', 'together_ai'],
  ['api.together.ai', 'together_ai'],
  ['openrouter.ai', 'openrouter'],
  ['api.fireworks.ai', 'fireworks_ai'],
  ['api.cerebras.ai', 'cerebras'],
];

/** Local servers recognised by their default port (Ollama's and LM Studio's OpenAI-compatible endpoints). */
const LOCAL_PORTS: Record<number, string> = { 11434: 'ollama', 1234: 'lm_studio' };
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function knownHost(host: string): string | undefined {
  for (const [pattern, provider] of KNOWN_HOSTS) {
    if (pattern.startsWith('.') ? host.endsWith(pattern) : host === pattern) return provider;
  }
  return undefined;
}

/**
 * The provider behind an OpenAI-compatible server: the application's own map (GENAI_OTEL_PROVIDER_HOSTS, by
 * `host:port` then `host`), else the known hosts, else `fallback`.
 *
 * @example
 * providerOfServer('api.deepseek.com', 443, 'openai'); // 'deepseek'
 */
export function providerOfServer(host: string | undefined, port: number | undefined, fallback: string): string {
  if (host === undefined) return fallback;
  const lowered = host.toLowerCase();
  const mapped = genaiSettings().providerHosts;
  const own = (port === undefined ? undefined : mapped[`${lowered}:${port}`]) ?? mapped[lowered];
  if (own !== undefined && own !== '') return own;
  const known = knownHost(lowered);
  if (known !== undefined) return known;
  if (LOCAL_HOSTS.has(lowered) && port !== undefined && LOCAL_PORTS[port] !== undefined) return LOCAL_PORTS[port];
  return fallback;
}

/** Provider names given to `instrument(client, { provider })`, by the client object its resources point back to. */
const clientProviders = new WeakMap<object, string>();

/** Names the provider of every call made through `client` (an OpenAI client instance). */
export function setClientProvider(client: object, provider: string): void {
  clientProviders.set(client, provider);
}

/** The provider name given for `client`, if any. */
export function clientProvider(client: unknown): string | undefined {
  return typeof client === 'object' && client !== null ? clientProviders.get(client) : undefined;
}
