import type { Instrumentation, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { debug, describeError, warnOnce } from '../core/diagnostics.ts';
import { isObject } from '../attributes/safe-values.ts';
import { nodeFs } from '../core/loaders.ts';

/** What this module calls on an instrumentation: public at run time, private in the type declarations. */
interface HookedInstrumentation extends Instrumentation {
  /** The definitions the module hooks hold (getModuleDefinitions() builds new ones). */
  _modules?: InstrumentationModuleDefinition[];
  _onRequire(definition: InstrumentationModuleDefinition, exports: unknown, name: string, baseDir: string): unknown;
}

/** Conditions of Node's ES module resolver, in the place they take in an `exports` map. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'module-sync', 'default']);

/** The target an `exports` value gives under IMPORT_CONDITIONS (the first matching key in object order). */
function conditionalTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    for (const each of value as unknown[]) {
      const target = conditionalTarget(each);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (!isObject(value)) return undefined;
  for (const [key, nested] of Object.entries(value)) {
    if (!IMPORT_CONDITIONS.has(key)) continue;
    const target = conditionalTarget(nested);
    if (target !== undefined) return target;
  }
  return undefined;
}

/** The package name and the subpath (`.` or `./x/y.js`) of a bare specifier such as `@scope/name/x/y.js`. */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(length).join('/');
  return { name: parts.slice(0, length).join('/'), subpath: rest === '' ? '.' : `./${rest}` };
}

/**
 * The file an `import` of `specifier` loads for code in `base` (the package's `exports` under Node's import
 * conditions, else its `main`), with symbolic links resolved as Node's loader does; undefined when not installed.
 * Exact subpaths only: the patched modules are package entries, never `*` patterns.
 */
export function importedFile(specifier: string, base: string): { file: string; packageDir: string } | undefined {
  try {
    return findImportedFile(specifier, base);
  } catch {
    // An unreadable or malformed package.json: the package is as good as absent.
    return undefined;
  }
}

function findImportedFile(specifier: string, base: string): { file: string; packageDir: string } | undefined {
  const { name, subpath } = splitSpecifier(specifier);
  const fs = nodeFs();
  const { join, dirname } = process.getBuiltinModule('node:path');
  const paths = process.getBuiltinModule('node:module').createRequire(join(base, 'noop.js')).resolve.paths(name);
  for (const modules of paths ?? []) {
    const manifestPath = join(modules, name, 'package.json');
    if (!fs.existsSync(manifestPath)) continue;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { exports?: unknown; main?: unknown };
    const exportsField = manifest.exports;
    let target: string | undefined;
    if (exportsField !== undefined) {
      const sugar = typeof exportsField === 'string' || Array.isArray(exportsField) || !hasSubpathKeys(exportsField);
      target = conditionalTarget(
        sugar ? (subpath === '.' ? exportsField : undefined) : (exportsField as Record<string, unknown>)[subpath],
      );
    } else {
      target = subpath === '.' ? (typeof manifest.main === 'string' ? manifest.main : 'index.js') : subpath;
    }
    if (target === undefined) return undefined;
    const file = join(modules, name, target);
    if (!fs.existsSync(file)) return undefined;
    return { file: fs.realpathSync(file), packageDir: dirname(fs.realpathSync(manifestPath)) };
  }
  return undefined;
}

function hasSubpathKeys(value: unknown): boolean {
  return isObject(value) && Object.keys(value).some((key) => key.startsWith('.'));
}

/**
 * Patches now the ES module copies of the packages the instrumentations hook, as the application will import them:
 * loaded with require() (Node 22.12+ loads an ES module synchronously, and a later `import()` of the same file gets
 * the same classes), then handed to the instrumentation as its module hook would. For applications whose imports no
 * loader hook sees: Next.js loads its external packages with `import()` under names of its own
 * (`openai-<hash>` with Turbopack), from its server bundles, where only the instrumentation file ran before; Bun
 * runs no loader hooks at all.
 * A package not installed (or of a version the instrumentation does not support) is left alone; a failure is logged
 * once and the application goes on untraced.
 *
 * @example
 * patchImportedCopies(instrumentations, process.cwd());
 */
export function patchImportedCopies(instrumentations: Instrumentation[], base: string): void {
  const requireFromHere = process.getBuiltinModule('node:module').createRequire(`${base}/`);
  for (const instrumentation of instrumentations as HookedInstrumentation[]) {
    if (!Array.isArray(instrumentation._modules) || typeof instrumentation._onRequire !== 'function') continue;
    for (const definition of instrumentation._modules) {
      if (definition.name.startsWith('/') || definition.name.startsWith('.')) continue;
      try {
        const found = importedFile(definition.name, base);
        if (found === undefined) continue;
        const namespace = requireFromHere(found.file) as unknown;
        instrumentation._onRequire(definition, namespace, definition.name, found.packageDir);
        debug(`${definition.name}: its ES module copy (${found.file}) was handed to its instrumentation`);
      } catch (error) {
        warnOnce(
          `esm-copy:${definition.name}`,
          `could not patch the ES module copy of ${definition.name} (${describeError(error)}); its calls may not be traced`,
        );
      }
    }
  }
}
