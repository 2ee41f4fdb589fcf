import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The file `specifier` resolves to for the application's `require`, looked up from the working directory and from
 * the main script's folder (as `isInstalled` does), or undefined. For hooks that need a module's absolute path.
 *
 * @example
 * resolveFromApplication('@modelcontextprotocol/sdk/shared/protocol.js'); // '/app/node_modules/@modelcontextprotocol/sdk/dist/cjs/shared/protocol.js'
 */
export function resolveFromApplication(specifier: string): string | undefined {
  const bases = [process.cwd(), process.argv[1] === undefined ? undefined : join(process.argv[1], '..')];
  for (const base of bases) {
    if (base === undefined) continue;
    try {
      return createRequire(join(base, 'genai-otel-lookup.js')).resolve(specifier);
    } catch {
      // Not from there.
    }
  }
  return undefined;
}

/**
 * Loads `specifier` as the application's `require` would (CommonJS, synchronously: for hooks that run inside a
 * constructor), from where `resolveFromApplication` finds it. Throws when it is not installed.
 *
 * @example
 * const { OtelBridge } = requireFromApplication<{ OtelBridge: new () => object }>('@mastra/otel-bridge');
 */
export function requireFromApplication<T>(specifier: string): T {
  const file = resolveFromApplication(specifier);
  if (file === undefined) throw new Error(`${specifier} is not installed`);
  return createRequire(file)(file) as T;
}
