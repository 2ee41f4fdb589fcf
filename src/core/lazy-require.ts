/**
 * Loads a dependency only when a setting needs it, synchronously, so that the preload can finish before the
 * application's first line while skipping the cost of exporters nobody asked for (and everything when disabled).
 * The CommonJS build replaces `import.meta.url` with the file's own URL. Built-ins reached from the preload are taken
 * with process.getBuiltinModule, not imported: an ES module that imports a built-in makes a facade of all its exports
 * (node:module, node:fs and node:worker_threads together cost the `--import` preload about 1.3 ms).
 */
export const lazyRequire: NodeJS.Require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
