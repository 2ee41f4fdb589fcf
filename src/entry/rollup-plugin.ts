import { bundleableSource, isGenAIOtelEsmBuild } from './bundle-transform.ts';

/** genai-otel's ES module build, the file a bundler resolves `import … from 'genai-otel'` to. */
const ESM_BUILD = /[\\/]dist[\\/]esm[\\/]index\.js$/;

/**
 * A Rollup plugin, also a Vite plugin (Vite and Rolldown take Rollup's `transform` hook), for server bundles made
 * self-contained (run with no node_modules next to them: Rollup with node-resolve and commonjs, Vite's SSR build with
 * `ssr.noExternal: true`): the packages genai-otel loads at run time (`@opentelemetry/api`, the module hooks) are
 * bundled too, so `start()`, the helpers and `instrument(client)` work from the bundle. The same change as
 * `genai-otel/esbuild`'s.
 *
 * @example
 * // vite.config.mjs
 * import { genaiOtelRollup } from 'genai-otel/rollup';
 * export default { plugins: [genaiOtelRollup()], ssr: { noExternal: true }, build: { ssr: 'server.mjs' } };
 */
export function genaiOtelRollup(): {
  name: string;
  transform(code: string, id: string): { code: string; map: null } | undefined;
} {
  return {
    name: 'genai-otel',
    transform(code, id) {
      // The map is left out: the change prepends import lines and renames three calls in a file shipped without maps.
      return ESM_BUILD.test(id) && isGenAIOtelEsmBuild(code) ? { code: bundleableSource(code), map: null } : undefined;
    },
  };
}
