import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { isObject } from '../attributes/safe-values.ts';
import { tracedStoreMethod, type DescribeStoreCall } from './store-call.ts';

export type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

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
  prototypesOf?: (moduleExports: unknown) => Record<string, unknown>[];
  /** Logged once when `prototypesOf` finds nothing: what this version lacks. */
  missingShape: string;
  methods: Record<string, DescribeStoreCall>;
  /** Wrap only methods a prototype defines itself (a subclass and its base class both listed). */
  ownMethodsOnly?: boolean;
  /**
   * Clients whose store objects are made at run time (Weaviate's `collection.query`, `collection.data`): called with
   * the module's exports when it loads, to wrap what makes those objects and hand each one to `trace`. Describers of
   * the methods traced that way get `madeWith` (e.g. the server and the collection's name) as their third argument.
   */
  patchMakers?: (moduleExports: unknown, tools: MakerTools) => void;
}

/** What `patchMakers` is given: the instrumentation's wrapping (undone when it is disabled) and the tracing of an object. */
export interface MakerTools {
  wrap(target: object, name: string, wrapper: (original: AnyFunction) => AnyFunction): void;
  /** Traces `methods` of `made`: on its class's prototype once, or on the object itself; never throws. */
  trace(made: unknown, madeWith: unknown[], methods: Record<string, DescribeStoreCall>): void;
}

/** The object of `target`'s prototype chain that defines `method` itself (not Object.prototype). */
function ownerOf(target: object, method: string): Record<string, unknown> | undefined {
  for (let owner: object | null = target; owner !== null && owner !== Object.prototype;) {
    if (Object.prototype.hasOwnProperty.call(owner, method)) return owner as Record<string, unknown>;
    owner = Object.getPrototypeOf(owner) as object | null;
  }
  return undefined;
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

    /** The arguments each made object was made with, for its describers. */
    private readonly madeWith = new WeakMap<object, unknown[]>();

    /** Traces `methods` of an object a factory made: on its class's prototype once, or on the object itself. */
    private traceMade(made: unknown, args: unknown[], methods: Record<string, DescribeStoreCall>): void {
      if (!isObject(made)) return;
      this.madeWith.set(made, args);
      const enabled = () => this.isEnabled();
      for (const [method, describe] of Object.entries(methods)) {
        const owner = ownerOf(made, method);
        if (owner === undefined || typeof owner[method] !== 'function' || isWrapped(owner[method])) continue;
        const withArgs: DescribeStoreCall = (thisArg, callArgs) =>
          describe(thisArg, callArgs, isObject(thisArg) ? this.madeWith.get(thisArg) : undefined);
        const traced = (original: unknown) =>
          tracedStoreMethod(spec.store, method, original as AnyFunction, withArgs, enabled);
        if (owner === made) made[method] = traced(made[method]);
        else this._wrap(owner, method, traced);
      }
    }

    /** The wraps `patchMakers` made, undone when the module is unpatched. */
    private makers: [object, string][] = [];

    private patchMakers(moduleExports: unknown): void {
      const tools: MakerTools = {
        wrap: (target, name, wrapper) => {
          if (typeof (target as Record<string, unknown>)[name] !== 'function') return;
          if (isWrapped((target as Record<string, unknown>)[name])) return;
          this._wrap(target as Record<string, AnyFunction>, name, wrapper);
          this.makers.push([target, name]);
        },
        trace: (made, madeWith, methods) => {
          try {
            this.traceMade(made, madeWith, methods);
          } catch (error) {
            errorOnce(`${spec.store}:made`, `could not trace a ${spec.store} object`, error);
          }
        },
      };
      try {
        spec.patchMakers?.(moduleExports, tools);
      } catch (error) {
        errorOnce(`${spec.store}:shape`, `this version of ${spec.packageName} ${spec.missingShape}`, error);
      }
    }

    protected init() {
      return [
        new InstrumentationNodeModuleDefinition(
          spec.packageName,
          spec.supportedVersions,
          (moduleExports) => {
            if (spec.patchMakers !== undefined) this.patchMakers(moduleExports);
            if (spec.prototypesOf === undefined) return moduleExports;
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
            for (const [target, name] of this.makers) this._unwrap(target as Record<string, AnyFunction>, name);
            this.makers = [];
            for (const prototype of spec.prototypesOf?.(moduleExports) ?? [])
              for (const method of Object.keys(spec.methods))
                if (wrappable(prototype, method)) this._unwrap(prototype, method);
          },
        ),
      ];
    }
  }
  return new StoreInstrumentation();
}
