// `genai-otel/next`: what a Next.js app adds to next.config to keep LLM clients traced. Nothing here loads the SDK:
// next.config is read by `next build` and `next start`, and by the edge bundles, which must not pull in Node code.

/**
 * Packages Next.js must leave to node_modules on the server instead of bundling them: genai-otel itself (one copy,
 * with its module hooks) and the client libraries it patches. A bundled copy of `openai` is code inside a chunk that
 * no module hook ever sees; an external one is imported from node_modules, where genai-otel patches it.
 */
export const GENAI_OTEL_SERVER_EXTERNALS: readonly string[] = [
  'genai-otel',
  'openai',
  '@anthropic-ai/sdk',
  '@modelcontextprotocol/sdk',
  '@openai/agents',
  '@openai/agents-core',
  '@openai/agents-openai',
  '@langchain/core',
];

/** The part of a Next.js configuration this helper reads and writes. */
export interface NextConfigWithExternals {
  serverExternalPackages?: string[];
  [key: string]: unknown;
}

type ConfigFunction<C> = (phase: string, context: { defaultConfig: C }) => C | Promise<C>;

function withExternals<C extends NextConfigWithExternals>(config: C): C {
  const own = Array.isArray(config.serverExternalPackages) ? config.serverExternalPackages : [];
  return {
    ...config,
    serverExternalPackages: [...own, ...GENAI_OTEL_SERVER_EXTERNALS.filter((name) => !own.includes(name))],
  };
}

/**
 * Returns the Next.js configuration with genai-otel and the LLM client libraries it traces in
 * `serverExternalPackages`, kept after the app's own. Works with both bundlers (Turbopack, webpack) and with a
 * configuration written as a function of the phase.
 *
 * @example
 * // next.config.ts
 * import { withGenAIOtel } from 'genai-otel/next';
 * export default withGenAIOtel({ reactStrictMode: true });
 */
export function withGenAIOtel<C extends NextConfigWithExternals>(config: C): C;
export function withGenAIOtel<C extends NextConfigWithExternals>(config: ConfigFunction<C>): ConfigFunction<C>;
export function withGenAIOtel<C extends NextConfigWithExternals>(config: C | ConfigFunction<C>): C | ConfigFunction<C> {
  if (typeof config === 'function') return async (phase, context) => withExternals(await config(phase, context));
  return withExternals(config ?? ({} as C));
}
