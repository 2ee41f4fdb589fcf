import { bundleableSource, isGenAIOtelEsmBuild } from './bundle-transform.ts';

/** The part of esbuild's plugin API this plugin uses (esbuild is not a dependency of genai-otel). */
interface EsbuildLike {
  initialOptions: { format?: string; banner?: Record<string, string> };
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js' } | undefined>,
  ): void;
}

/**
 * An esbuild plugin for apps bundled into one self-contained file (run with no node_modules next to it): the
 * packages genai-otel loads at run time (`@opentelemetry/api`, the module hooks) are bundled too, so `start()`,
 * the helpers and `instrument(client)` work from the bundle.
 *
 * @example
 * import { build } from 'esbuild';
 * import { genaiOtelEsbuild } from 'genai-otel/esbuild';
 * await build({ entryPoints: ['app.mjs'], bundle: true, platform: 'node', format: 'esm', outfile: 'out/app.mjs', plugins: [genaiOtelEsbuild()] });
 */
export function genaiOtelEsbuild(): { name: string; setup(build: EsbuildLike): void } {
  return {
    name: 'genai-otel',
    setup(build) {
      // The CommonJS packages bundled into an ES module output require Node's built-ins: esbuild's ES module output
      // has no require() of its own, so one is made, unless the app's banner already does.
      const banner = build.initialOptions.banner?.js ?? '';
      if (build.initialOptions.format === 'esm' && !banner.includes('createRequire'))
        build.initialOptions.banner = {
          ...build.initialOptions.banner,
          js: `import { createRequire as __genaiOtelCreateRequire } from 'node:module';\nconst require = __genaiOtelCreateRequire(import.meta.url);\n${banner}`,
        };
      build.onLoad({ filter: /[\\/]dist[\\/]esm[\\/]index\.js$/ }, async (args) => {
        const source = await process.getBuiltinModule('node:fs/promises').readFile(args.path, 'utf8');
        return isGenAIOtelEsmBuild(source) ? { contents: bundleableSource(source), loader: 'js' } : undefined;
      });
    },
  };
}
