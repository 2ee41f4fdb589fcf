import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PackageIdentity {
  name?: string;
  version?: string;
}

/**
 * The application's own package.json: the nearest one above the entry script, else above the working directory.
 * It names the service when OTEL_SERVICE_NAME is not set, so no service shows up as `unknown_service:node`.
 */
export function findApplicationPackage(
  entryScript: string | undefined = process.argv[1],
  cwd = process.cwd(),
): PackageIdentity {
  for (const start of [entryScript === undefined ? undefined : dirname(entryScript), cwd]) {
    if (start === undefined) continue;
    let directory = start;
    for (let depth = 0; depth < 64; depth++) {
      if (!directory.split(/[\\/]/).includes('node_modules')) {
        const identity = readPackageIdentity(join(directory, 'package.json'));
        if (identity !== undefined) return identity;
      }
      const parent = dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  return {};
}

function readPackageIdentity(path: string): PackageIdentity | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
    return {
      name: typeof parsed.name === 'string' && parsed.name !== '' ? parsed.name : undefined,
      version: typeof parsed.version === 'string' && parsed.version !== '' ? parsed.version : undefined,
    };
  } catch {
    return {};
  }
}
