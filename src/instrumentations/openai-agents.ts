import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { setActiveContextResolver } from '../context/agents-context.ts';
import { isObject } from '../attributes/safe-values.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { VERSION } from '../version.ts';
import { OpenAIAgentsProcessor, type AgentsSpan, type AgentsTrace } from './openai-agents-processor.ts';

/** `@openai/agents` versions traced: the 0.x line, current in December 2026 (0.20). */
export const OPENAI_AGENTS_SUPPORTED_VERSIONS = ['>=0.1.0 <1'];
export const OPENAI_AGENTS_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-openai-agents';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

interface TraceProvider {
  registerProcessor(processor: unknown): void;
  setProcessors(processors: unknown): void;
}

/** What genai-otel uses of `@openai/agents-core` (also re-exported by `@openai/agents`). */
interface AgentsCoreExports {
  getGlobalTraceProvider?: () => TraceProvider;
  getCurrentSpan?: () => AgentsSpan | null;
  getCurrentTrace?: () => AgentsTrace | null;
  Runner?: { prototype: object };
}

/** One processor per process: the SDK keeps one global trace provider, shared by its CommonJS and ESM copies. */
let processor: OpenAIAgentsProcessor | undefined;
const installedProviders = new WeakSet<object>();
const patchedEmitters = new WeakSet<object>();

/**
 * The provider's `setProcessors` keeps our processor: `@openai/agents` itself replaces the processor list with its
 * default exporter when it loads (after `@openai/agents-core`, where we registered), and an app that calls
 * `setTraceProcessors([mine])` to drop OpenAI's export still gets its runs traced by genai-otel.
 */
function keepProcessorOn(provider: TraceProvider, ours: OpenAIAgentsProcessor): void {
  const original = provider.setProcessors;
  if (typeof original !== 'function') return;
  Object.defineProperty(provider, 'setProcessors', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function setProcessors(this: unknown, processors: unknown): unknown {
      let list = processors;
      try {
        if (Array.isArray(processors) && !processors.includes(ours)) list = [...processors, ours];
      } catch (error) {
        errorOnce(
          'openai-agents:set-processors',
          'could not keep the genai-otel processor in the Agents SDK processor list',
          error,
        );
        list = processors;
      }
      return original.call(this, list);
    },
  });
}

/**
 * The SDK tells its hooks the tool call it executes (`agent_tool_start`, with the call id) while the tool's span is
 * its current span, and the agent it starts (`agent_start`, the agent object): the event emitter shared by runners
 * and agents is where the call id and the agent's description can be read.
 *
 * @example
 * readToolCalls(agentsCore.Runner.prototype, processor);
 */
export function readToolCalls(runnerPrototype: unknown, ours: OpenAIAgentsProcessor): void {
  let owner: unknown = runnerPrototype;
  while (isObject(owner) && !Object.prototype.hasOwnProperty.call(owner, 'emit')) owner = Object.getPrototypeOf(owner);
  if (!isObject(owner) || patchedEmitters.has(owner) || typeof owner.emit !== 'function') return;
  patchedEmitters.add(owner);
  const original = owner.emit as AnyFunction;
  Object.defineProperty(owner, 'emit', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function emit(this: unknown, ...args: unknown[]): unknown {
      // The runner's event (runner, context, agent, tool, details); the agent's own repeats it with one argument fewer.
      if (args[0] === 'agent_start') {
        try {
          ours.noteAgent(args[2]);
        } catch (error) {
          errorOnce('openai-agents:agent-start', 'could not read the description of an Agents SDK agent', error);
        }
      } else if (args[0] === 'agent_tool_start' && args.length === 5) {
        try {
          const tool = args[3];
          const details = args[4];
          const toolCall = isObject(details) ? details.toolCall : undefined;
          ours.noteToolCall(
            isObject(toolCall) ? toolCall.callId : undefined,
            isObject(tool) ? tool.description : undefined,
          );
        } catch (error) {
          errorOnce('openai-agents:tool-call', 'could not read the call id of an Agents SDK tool call', error);
        }
      }
      return original.apply(this, args);
    },
  });
}

/**
 * Adds genai-otel's processor to the SDK's global trace provider (once) and makes the SDK's current step the active
 * OpenTelemetry context. Called with the exports of `@openai/agents-core` or `@openai/agents` when either loads.
 *
 * @example
 * installOnAgentsSdk(require('@openai/agents'));
 */
export function installOnAgentsSdk(moduleExports: unknown): void {
  const sdk = moduleExports as AgentsCoreExports;
  const { getGlobalTraceProvider, getCurrentSpan, getCurrentTrace } = sdk;
  if (
    typeof getGlobalTraceProvider !== 'function' ||
    typeof getCurrentSpan !== 'function' ||
    typeof getCurrentTrace !== 'function'
  ) {
    errorOnce(
      'openai-agents:shape',
      'this version of the OpenAI Agents SDK has no getGlobalTraceProvider/getCurrentSpan/getCurrentTrace; its runs are not traced',
    );
    return;
  }
  const provider = getGlobalTraceProvider();
  if (!isObject(provider) || typeof provider.registerProcessor !== 'function') {
    errorOnce(
      'openai-agents:provider',
      'the OpenAI Agents SDK trace provider has no registerProcessor; its runs are not traced',
    );
    return;
  }
  processor ??= new OpenAIAgentsProcessor({ span: () => getCurrentSpan(), trace: () => getCurrentTrace() });
  const ours = processor;
  ours.enabled = true;
  if (!installedProviders.has(provider)) {
    installedProviders.add(provider);
    keepProcessorOn(provider, ours);
    provider.registerProcessor(ours);
  }
  if (sdk.Runner !== undefined) readToolCalls(sdk.Runner.prototype, ours);
  setActiveContextResolver('openai-agents', (stored) => ours.resolve(stored));
}

/** Stops mapping (the instrumentation was disabled); the SDK keeps calling a processor that does nothing. */
function uninstall(): void {
  if (processor !== undefined) processor.enabled = false;
  setActiveContextResolver('openai-agents', undefined);
}

/**
 * The instrumentation of the OpenAI Agents SDK: when `@openai/agents-core` or `@openai/agents` loads (CommonJS through
 * require-in-the-middle, ES modules through import-in-the-middle), genai-otel's trace processor joins the SDK's.
 */
export function createOpenAIAgentsInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition } = instrumentationBase();

  class OpenAIAgentsInstrumentation extends InstrumentationBase {
    constructor() {
      super(OPENAI_AGENTS_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      const onLoad = (moduleExports: unknown) => {
        try {
          installOnAgentsSdk(moduleExports);
        } catch (error) {
          errorOnce(
            'openai-agents:install',
            'could not add the genai-otel processor to the OpenAI Agents SDK; its runs are not traced',
            error,
          );
        }
        return moduleExports;
      };
      return ['@openai/agents-core', '@openai/agents'].map(
        (name) => new InstrumentationNodeModuleDefinition(name, OPENAI_AGENTS_SUPPORTED_VERSIONS, onLoad, uninstall),
      );
    }
  }
  return new OpenAIAgentsInstrumentation();
}
