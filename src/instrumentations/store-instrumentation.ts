import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { tracedStoreMethod, type DescribeStoreCall } from './store-call.ts';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** What differs between the vector-store clients whose calls are methods of a class exported by the package. */
export interface StoreInstrumentationSpec {
  /** The instrumentation's scope name, e.g. `genai-otel/instrumentation-qdrant`. */
  instrumentationName: string;
  /** The npm package hooked, and its supported version ranges. */
  packageName: string;
  supportedVersions: string[];
  /** The store's name in diagnostics and spans (`tracedStoreMethod`'s first argument). */
  store: string;
  /** The prototypes that carry the methods, found in the module's exports; empty when this version has none. */
  prototypesOf: (moduleExports: unknown) => Record<string, unknown>[];
  /** Logged once when `prototypesOf` finds nothing: what this version lacks. */
  missingShape: string;
  methods: Record<string, DescribeStoreCall>;
  /** Wrap only methods a prototype defines itself (a subclass and its base class both listed). */
  ownMethodsOnly?: boolean;
}

/**
 * An instrumentation that wraps `spec.methods` on the prototypes the package exports, each call a store span.
 *
 * @example
 * createStoreInstrumentation({ instrumentationName: 'genai-otel/instrumentation-qdrant', packageName: '@qdrant/js-client-rest',
 *   supportedVersions: ['>=1.9.0 <2'], store: 'qdrant', prototypesOf, missingShape: 'has no QdrantClient', methods });
 */
export function createStoreInstrumentation(spec: StoreInstrumentationSpec): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } = instrumentationBase();
  const wrappable = (prototype: Record<string, unknown>, method: string): boolean =>
    !spec.ownMethodsOnly || Object.prototype.hasOwnProperty.call(prototype, method);

  class StoreInstrumentation extends InstrumentationBase {
    constructor() {
      super(spec.instrumentationName, VERSION, {});
    }

    protected init() {
      return [
        new InstrumentationNodeModuleDefinition(
          spec.packageName,
          spec.supportedVersions,
          (moduleExports) => {
            const prototypes = spec.prototypesOf(moduleExports);
            if (prototypes.length === 0) {
              errorOnce(
                `${spec.store}:shape`,
                `this version of ${spec.packageName} ${spec.missingShape}; its calls are not traced`,
              );
              return moduleExports;
            }
            const enabled = () => this.isEnabled();
            for (const prototype of prototypes)
              for (const [method, describe] of Object.entries(spec.methods)) {
                if (!wrappable(prototype, method)) continue;
                if (typeof prototype[method] !== 'function' || isWrapped(prototype[method])) continue;
                this._wrap(prototype, method, (original) =>
                  tracedStoreMethod(spec.store, method, original as AnyFunction, describe, enabled),
                );
              }
            return moduleExports;
          },
          (moduleExports) => {
            for (const prototype of spec.prototypesOf(moduleExports))
              for (const method of Object.keys(spec.methods))
                if (wrappable(prototype, method)) this._unwrap(prototype, method);
          },
        ),
      ];
    }
  }
  return new StoreInstrumentation();
}
