import { context, createContextKey } from '@opentelemetry/api';
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { runLLMCall, type ProviderShapes } from '../genai/llm.ts';
import type { LLMRequest } from '../genai/llm-types.ts';
import { VERSION } from '../version.ts';

export type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** One model call as an instrumentation reads it from a client method's `this` and arguments. */
export interface ProviderCall {
  request: LLMRequest;
  /** How the call's value and chunks are read, when the shared readers do not read them as they are. */
  shapes?: ProviderShapes;
}

/** Reads one call; undefined when this call is not a model call (it then runs untraced). */
export type DescribeCall = (self: unknown, args: readonly unknown[]) => ProviderCall | undefined;

const IN_PROVIDER_CALL = createContextKey('genai-otel.provider-call');

/**
 * Wraps a client method so that each call is one LLM span (`runLLMCall`): what the method returns, throws or streams
 * reaches the caller unchanged. A call that cannot be read runs untraced after one diagnostic; a call made while
 * another traced provider call runs (a client calling itself through a public method) is not traced twice.
 */
export function tracedProviderMethod(
  original: AnyFunction,
  key: string,
  describe: DescribeCall,
  isEnabled: () => boolean = () => true,
): AnyFunction {
  return function tracedProviderCall(this: unknown, ...args: unknown[]): unknown {
    if (!isEnabled() || context.active().getValue(IN_PROVIDER_CALL) === true) return original.apply(this, args);
    let call: ProviderCall | undefined;
    try {
      call = describe(this, args);
    } catch (error) {
      errorOnce(`${key}:request`, `could not read a ${key} request; the call runs untraced`, error);
      return original.apply(this, args);
    }
    if (call === undefined) return original.apply(this, args);
    const inner = function (this: unknown, ...innerArgs: unknown[]): unknown {
      return context.with(context.active().setValue(IN_PROVIDER_CALL, true), () => original.apply(this, innerArgs));
    };
    return runLLMCall(call.request, inner, this, args, false, call.shapes);
  };
}

/**
 * A method to wrap: `target[method]` is replaced by `wrap(original)`. With `accessor`, `target[method]` is a getter
 * (a client's lazily made resource, `client.chat`) and `wrap` is given the getter instead.
 */
export interface PatchPoint {
  target: object;
  method: string;
  accessor?: boolean;
  wrap(original: AnyFunction): AnyFunction;
}

/** Replaces the getter of `point`; returns how to put the original back, or undefined when there is no getter. */
function wrapAccessor(point: PatchPoint): (() => void) | undefined {
  const descriptor = Object.getOwnPropertyDescriptor(point.target, point.method);
  if (descriptor?.get === undefined || descriptor.configurable !== true) return undefined;
  Object.defineProperty(point.target, point.method, { ...descriptor, get: point.wrap(descriptor.get) });
  return () => Object.defineProperty(point.target, point.method, descriptor);
}

export interface ProviderInstrumentationSpec {
  /** The instrumentation's name (its scope in diagnostics), e.g. `genai-otel/instrumentation-google-genai`. */
  name: string;
  /** The npm package hooked. */
  module: string;
  /** A file of the package to hook instead of its main entry (`api/resources/v2/client/Client.js`). */
  file?: string;
  /** Files of the package hooked besides its main entry, patched the same way (another entry's copy of a class). */
  alsoFiles?: string[];
  supportedVersions: string[];
  /**
   * The methods to wrap in the loaded module, given whether the instrumentation is on; undefined when the module does
   * not have the expected shape (one diagnostic, nothing patched).
   */
  patchPoints(moduleExports: unknown, isEnabled: () => boolean): PatchPoint[] | undefined;
}

/**
 * An instrumentation of a provider client library on `@opentelemetry/instrumentation` (require-in-the-middle for
 * CommonJS, import-in-the-middle for ES modules) that wraps the methods `spec.patchPoints` names. Loaded only when
 * enabled and the library is installed.
 */
export function createProviderInstrumentation(
  spec: ProviderInstrumentationSpec,
): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, isWrapped } =
    instrumentationBase();

  class ProviderInstrumentation extends InstrumentationBase {
    private patched: PatchPoint[] = [];
    private restoreAccessors: (() => void)[] = [];

    constructor() {
      super(spec.name, VERSION, {});
    }

    protected init() {
      const patch = (moduleExports: unknown) => {
        let points: PatchPoint[] | undefined;
        try {
          points = spec.patchPoints(moduleExports, () => this.isEnabled());
        } catch (error) {
          points = undefined;
          errorOnce(`${spec.module}:shape`, `could not read the exports of ${spec.module}`, error);
        }
        if (points === undefined || points.length === 0) {
          errorOnce(
            `${spec.module}:shape`,
            `this version of ${spec.module} does not have the methods genai-otel wraps; its calls are not traced`,
          );
          return moduleExports;
        }
        for (const point of points) {
          if (point.accessor === true) {
            const restore = wrapAccessor(point);
            if (restore !== undefined) this.restoreAccessors.push(restore);
            continue;
          }
          // A class shared by two hooked entries (the main one and the file it loads) is patched once.
          if (isWrapped((point.target as Record<string, unknown>)[point.method])) continue;
          this._wrap(point.target as Record<string, AnyFunction>, point.method, (original: AnyFunction) =>
            point.wrap(original),
          );
          this.patched.push(point);
        }
        return moduleExports;
      };
      const unpatch = () => {
        for (const point of this.patched) this._unwrap(point.target as Record<string, AnyFunction>, point.method);
        for (const restore of this.restoreAccessors) restore();
        this.patched = [];
        this.restoreAccessors = [];
      };
      if (spec.file === undefined) {
        const files = (spec.alsoFiles ?? []).map(
          (file) => new InstrumentationNodeModuleFile(`${spec.module}/${file}`, spec.supportedVersions, patch, unpatch),
        );
        return [new InstrumentationNodeModuleDefinition(spec.module, spec.supportedVersions, patch, unpatch, files)];
      }
      const file = new InstrumentationNodeModuleFile(
        `${spec.module}/${spec.file}`,
        spec.supportedVersions,
        patch,
        unpatch,
      );
      return [
        new InstrumentationNodeModuleDefinition(spec.module, spec.supportedVersions, undefined, undefined, [file]),
      ];
    }
  }
  return new ProviderInstrumentation();
}

/** `value` when it is a function's prototype-like object, else undefined: shapes are checked before anything is wrapped. */
export function prototypeOf(value: unknown): Record<string, unknown> | undefined {
  const proto = (value as { prototype?: unknown } | undefined)?.prototype;
  return typeof proto === 'object' && proto !== null ? (proto as Record<string, unknown>) : undefined;
}

/** The patch points among `methods` that `target` really has as functions. */
export function methodsOf(
  target: Record<string, unknown> | undefined,
  methods: readonly string[],
  wrap: (method: string) => (original: AnyFunction) => AnyFunction,
): PatchPoint[] {
  if (target === undefined) return [];
  return methods
    .filter((method) => typeof target[method] === 'function')
    .map((method) => ({ target, method, wrap: wrap(method) }));
}
