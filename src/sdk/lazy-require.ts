import { createRequire } from 'node:module';

/**
 * Loads a dependency only when a setting needs it, synchronously, so that the preload can finish before the
 * application's first line while skipping the cost of exporters nobody asked for (and everything when disabled).
 * The CommonJS build replaces `import.meta.url` with the file's own URL.
 */
export const lazyRequire: NodeJS.Require = createRequire(import.meta.url);
