// Mastra (1.x) traces only through the observability configured on its `Mastra` instance; with none, it makes no span.
// Its OpenTelemetry bridge (`@mastra/otel-bridge`) turns its spans into OTel spans in the active context, following the
// GenAI conventions. When the app configures no observability and has the bridge installed, genai-otel configures it
// for the app (nothing else: no exporter of Mastra's), and keeps prompts and outputs off those spans unless content
// capture is on. The span processor then gives them cost and metrics, as for any other library's GenAI spans.
import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { debug, errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { capturesContentOnSpans } from '../genai/content.ts';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
} from '../attributes/names.ts';
import { VERSION } from '../version.ts';
import { requireFromApplication, resolveFromApplication } from './app-resolve.ts';
import { dropAttributes, type EndingSpan } from './span-facts.ts';

export const MASTRA_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-mastra';
/** `@mastra/core` versions whose `Mastra` constructor takes `observability` (1.x). */
export const MASTRA_SUPPORTED_VERSIONS = ['>=1.0.0 <2'];
/** The scope of the spans of Mastra's OpenTelemetry bridge. */
export const MASTRA_BRIDGE_SCOPE = '@mastra/otel-bridge';

interface ObservabilityModule {
  Observability: new (config: unknown) => object;
}
interface BridgeModule {
  OtelBridge: new () => object;
}
type MastraClass = new (config?: Record<string, unknown>) => object;

let bridgeConfiguredByUs = false;
let bridgeMissingSaid = false;

/** The observability genai-otel gives a `Mastra` the app configured none for, or undefined when it cannot. */
function bridgeObservability(): object | undefined {
  if (
    resolveFromApplication('@mastra/observability') === undefined ||
    resolveFromApplication('@mastra/otel-bridge') === undefined
  ) {
    if (!bridgeMissingSaid) {
      bridgeMissingSaid = true;
      debug('Mastra is traced through @mastra/observability and @mastra/otel-bridge, which are not installed');
    }
    return undefined;
  }
  const { Observability } = requireFromApplication<ObservabilityModule>('@mastra/observability');
  const { OtelBridge } = requireFromApplication<BridgeModule>('@mastra/otel-bridge');
  const observability = new Observability({
    configs: { default: { serviceName: 'mastra', bridge: new OtelBridge() } },
  });
  bridgeConfiguredByUs = true;
  return observability;
}

/**
 * The app's `Mastra` configuration, with the OTel bridge as its observability when it has none. Never throws: a
 * configuration genai-otel cannot read (a throwing getter, a revoked proxy) is handed to Mastra as it was.
 */
function withBridge(config: unknown): unknown {
  try {
    if (config !== undefined && (typeof config !== 'object' || config === null)) return config;
    const given = config as Record<string, unknown> | undefined;
    if (given?.observability !== undefined) return config;
    const observability = bridgeObservability();
    return observability === undefined ? config : { ...given, observability };
  } catch (error) {
    errorOnce('mastra:bridge', 'could not configure Mastra’s OpenTelemetry bridge; Mastra runs untraced', error);
    return config;
  }
}

/**
 * The `Mastra` class, constructing with the bridge where the app configured no observability; everything else
 * (statics, `instanceof`, subclassing) is the class's own.
 */
export function tracedMastraClass(mastra: MastraClass, isEnabled: () => boolean = () => true): MastraClass {
  return new Proxy(mastra, {
    construct(target, args, newTarget) {
      const [config, ...rest] = args as unknown[];
      return Reflect.construct(target, [isEnabled() ? withBridge(config) : config, ...rest], newTarget) as object;
    },
  });
}

const CONTENT_KEYS = [
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
];
/** Mastra's own names for a step's input and output (`mastra.model_step.input`, `mastra.model_chunk.output`, ...). */
const MASTRA_CONTENT_KEY = /^mastra\.[a-z_]+\.(input|output)$/;

/**
 * Takes prompts, outputs, instructions and tool arguments/results off a span of the bridge genai-otel configured,
 * unless content capture on spans is on (the bridge records them all). A bridge the app configured is its business.
 */
export function dropMastraContent(span: EndingSpan): void {
  if (!bridgeConfiguredByUs || capturesContentOnSpans(genaiSettings().captureContent, undefined)) return;
  const keys: string[] = CONTENT_KEYS.filter((key) => span.attributes[key] !== undefined);
  for (const key of Object.keys(span.attributes)) if (MASTRA_CONTENT_KEY.test(key)) keys.push(key);
  if (keys.length > 0) dropAttributes(span, keys);
}

interface MastraExports {
  Mastra?: MastraClass;
}

/**
 * The instrumentation of `@mastra/core`: its `Mastra` export (the package's main entry and `@mastra/core/mastra`,
 * ES modules and CommonJS) constructs with the OTel bridge when the app gave no observability. Loaded only when
 * enabled.
 */
export function createMastraInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } =
    instrumentationBase();
  const originals = new WeakMap<object, MastraClass>();

  class MastraInstrumentation extends InstrumentationBase {
    constructor() {
      super(MASTRA_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      const enabled = () => this.isEnabled();
      const patch = (moduleExports: unknown) => {
        const exported = moduleExports as MastraExports;
        const mastra = exported?.Mastra;
        if (typeof mastra !== 'function' || originals.has(mastra)) return moduleExports;
        const traced = tracedMastraClass(mastra, enabled);
        originals.set(traced, mastra);
        try {
          exported.Mastra = traced;
        } catch (error) {
          errorOnce('mastra:shape', 'could not hook this version of @mastra/core; Mastra runs untraced', error);
        }
        return moduleExports;
      };
      const unpatch = (moduleExports: unknown) => {
        const exported = moduleExports as MastraExports;
        const original = exported?.Mastra === undefined ? undefined : originals.get(exported.Mastra);
        if (original !== undefined) exported.Mastra = original;
      };
      const files = ['dist/mastra/index.js', 'dist/mastra/index.cjs'].map(
        (file) => new InstrumentationNodeModuleFile(`@mastra/core/${file}`, MASTRA_SUPPORTED_VERSIONS, patch, unpatch),
      );
      return [
        new InstrumentationNodeModuleDefinition('@mastra/core', MASTRA_SUPPORTED_VERSIONS, patch, unpatch, files),
      ];
    }
  }
  return new MastraInstrumentation();
}
