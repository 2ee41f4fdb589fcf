/**
 * The packages genai-otel's builds load at run time with `require()` (kept outside its own bundle so that the
 * application shares one copy), which an application's bundler cannot see: in a self-contained bundle (no
 * node_modules next to it) they would be missing. Each becomes a static import the bundler follows, of the same
 * module: the API's namespace, or a CommonJS package's `module.exports`.
 */
const RUNTIME_REQUIRES: readonly { specifier: string; binding: string; namespace: boolean }[] = [
  { specifier: '@opentelemetry/api', binding: '__genaiOtelBundledApi', namespace: true },
  { specifier: 'import-in-the-middle', binding: '__genaiOtelBundledIitm', namespace: false },
  { specifier: 'require-in-the-middle', binding: '__genaiOtelBundledRitm', namespace: false },
];

/** Whether `source` is genai-otel's ES module build (it starts with the banner scripts/build.mjs writes). */
export function isGenAIOtelEsmBuild(source: string): boolean {
  return source.startsWith('const __genaiOtelFileUrl = import.meta.url');
}

/**
 * genai-otel's ES module build `source` with its run-time requires of the packages above turned into static imports
 * that a bundler follows. (Its CommonJS build needs nothing: its requires of them are plain `require()` calls.)
 *
 * @example
 * const bundleable = bundleableSource(readFileSync(file, 'utf8'));
 */
export function bundleableSource(source: string): string {
  let text = source;
  const imports: string[] = [];
  for (const { specifier, binding, namespace } of RUNTIME_REQUIRES) {
    // `require(...)` or, where esbuild routed it through its own shim, `__require(...)`.
    const call = new RegExp(
      `(?<![\\w$])(?:__)?require\\(${JSON.stringify(specifier).replace(/[/.]/g, '\\$&')}\\)`,
      'g',
    );
    if (!call.test(text)) continue;
    imports.push(
      namespace
        ? `import * as ${binding} from ${JSON.stringify(specifier)};`
        : `import ${binding} from ${JSON.stringify(specifier)};`,
    );
    text = text.replace(call, binding);
  }
  return `${imports.join('\n')}\n${text}`;
}
