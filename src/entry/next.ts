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
  '@modelcontextprotocol/client',
  '@modelcontextprotocol/server',
  '@openai/agents',
  '@openai/agents-core',
  '@openai/agents-openai',
  '@langchain/core',
];

/** The part of a Next.js configuration this helper reads and writes. */
export interface NextConfigWithExternals {
  serverExternalPackages?: string[];
  outputFileTracingIncludes?: Record<string, string[]>;
  [key: string]: unknown;
}

type ConfigFunction<C> = (phase: string, context: { defaultConfig: C }) => C | Promise<C>;

/**
 * Globs (from the project folder) of the packages genai-otel loads at run time through a require() the file tracing
 * of `output: 'standalone'` cannot follow (its module hooks and their own dependencies), found by walking the
 * installed packages' `dependencies`. Empty where Node.js built-ins are out of reach (an edge bundle).
 */
function runtimeDependencyGlobs(project: string): string[] {
  const nodeModule = globalThis.process?.getBuiltinModule?.('node:module');
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  const path = globalThis.process?.getBuiltinModule?.('node:path');
  if (nodeModule === undefined || fs === undefined || path === undefined) return [];
  const globs: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, from: string): void => {
    const paths = nodeModule.createRequire(path.join(from, 'noop.js')).resolve.paths(name) ?? [];
    const folder = paths
      .map((modules) => path.join(modules, name))
      .find((candidate) => fs.existsSync(path.join(candidate, 'package.json')));
    if (folder === undefined) return;
    const real = fs.realpathSync(folder);
    if (seen.has(real)) return;
    seen.add(real);
    if (name !== 'genai-otel') globs.push(`${path.relative(project, real).split(path.sep).join('/')}/**/*`);
    const manifest = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, real);
  };
  try {
    visit('genai-otel', project);
  } catch {
    // A tracing hint only: the standalone output may then miss the module hooks, never the build.
  }
  return globs;
}

function withExternals<C extends NextConfigWithExternals>(config: C): C {
  const own = Array.isArray(config.serverExternalPackages) ? config.serverExternalPackages : [];
  const includes = config.outputFileTracingIncludes ?? {};
  const globs = runtimeDependencyGlobs(globalThis.process?.cwd?.() ?? '.');
  return {
    ...config,
    serverExternalPackages: [...own, ...GENAI_OTEL_SERVER_EXTERNALS.filter((name) => !own.includes(name))],
    ...(globs.length === 0
      ? {}
      : { outputFileTracingIncludes: { ...includes, '/**': [...(includes['/**'] ?? []), ...globs] } }),
  };
}

/**
 * Returns the Next.js configuration with genai-otel and the LLM client libraries it traces in
 * `serverExternalPackages`, kept after the app's own, and genai-otel's module hooks in `outputFileTracingIncludes`
 * (for `output: 'standalone'`). Works with both bundlers (Turbopack, webpack) and with a configuration written as a
 * function of the phase.
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
