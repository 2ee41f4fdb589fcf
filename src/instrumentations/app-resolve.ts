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
