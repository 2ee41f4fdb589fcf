import { SpanKind, type Attributes } from '@opentelemetry/api';
import { recordAgentDuration } from '../genai/operation-metrics.ts';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
} from '../attributes/names.ts';
import { withToolCall } from '../genai/operations.ts';
import { isObject } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { startRun } from '../genai/span-runner.ts';
import { errorOnce } from '../core/diagnostics.ts';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** The tool calls of one run already given to a tool function, so that each call id is used once. */
interface RunState {
  usedCallIds: Set<string>;
}

interface ToolCall {
  id?: unknown;
  type?: unknown;
  function?: { name?: unknown };
}

/**
 * A copy of `source` with the same prototype and property descriptors (the SDK's non-enumerable, non-configurable
 * brands included), where the properties named in `values` hold those values instead.
 */
function copyWith<T extends object>(source: T, values: Record<string, unknown>): T {
  const descriptors = Object.getOwnPropertyDescriptors(source) as Record<string, PropertyDescriptor>;
  for (const [key, value] of Object.entries(values))
    descriptors[key] = { ...(descriptors[key] ?? { writable: true, enumerable: true, configurable: true }), value };
  return Object.create(Object.getPrototypeOf(source) as object | null, descriptors) as T;
}

/**
 * The id of the tool call a runner is executing now: the first call to `name` in its latest assistant message whose
 * id no tool function of this run was given yet. The runner starts a message's calls in their order.
 */
function nextCallId(runner: unknown, name: string, state: RunState): string | undefined {
  const messages = (runner as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index] as { role?: unknown; tool_calls?: unknown };
    if (message?.role !== 'assistant' || !Array.isArray(message.tool_calls)) continue;
    for (const call of message.tool_calls as ToolCall[]) {
      if (call?.function?.name !== name || typeof call.id !== 'string' || state.usedCallIds.has(call.id)) continue;
      state.usedCallIds.add(call.id);
      return call.id;
    }
    return undefined;
  }
  return undefined;
}

/** `fn` run as an `execute_tool` span named after the tool, with the runner's call id. */
function tracedToolFunction(fn: AnyFunction, name: string, description: unknown, state: RunState): AnyFunction {
  return function executeTool(this: unknown, ...args: unknown[]): unknown {
    let callId: string | undefined;
    try {
      callId = nextCallId(args[1], name, state);
    } catch (error) {
      errorOnce('openai:run-tools:call-id', 'could not find the call id of a runTools() tool call', error);
    }
    const request = {
      name,
      callId,
      type: 'function' as const,
      description: typeof description === 'string' && description !== '' ? description : undefined,
      arguments: args[0],
    };
    return withToolCall(request, () => fn.apply(this, args));
  };
}

/**
 * A copy of one `runTools()` tool whose function runs in an `execute_tool` span: the SDK's auto-parseable tools
 * (`zodFunction`) keep their brand and parser, runnable tools their `parse`; tools of other kinds are kept as given.
 */
function tracedTool(tool: unknown, state: RunState): unknown {
  if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) return tool;
  const definition = tool.function;
  if (typeof tool.$callback === 'function') {
    const name = definition.name;
    if (typeof name !== 'string') return tool;
    return copyWith(tool, {
      $callback: tracedToolFunction(tool.$callback as AnyFunction, name, definition.description, state),
    });
  }
  if (typeof definition.function !== 'function') return tool;
  const name =
    typeof definition.name === 'string' && definition.name !== ''
      ? definition.name
      : (definition.function as { name?: unknown }).name;
  if (typeof name !== 'string' || name === '') return tool;
  const traced = copyWith(definition, {
    function: tracedToolFunction(definition.function as AnyFunction, name, definition.description, state),
  });
  return copyWith(tool, { function: traced });
}

/** The run's body with traced copies of its tools; the caller's own objects are left untouched. */
function withTracedTools(body: unknown, state: RunState): unknown {
  if (!isObject(body) || !Array.isArray(body.tools)) return body;
  return { ...body, tools: body.tools.map((tool) => tracedTool(tool, state)) };
}

/**
 * Runs the runner's loop (`_runTools`, which the runner starts on a timer) inside one INTERNAL `invoke_agent` span:
 * the conventions' span for an agent invocation, here the SDK's own loop of model calls and tool calls, without a
 * name since the application gave it none. The model calls and tool spans of the run nest under it.
 */
function traceRunnerLoop(runner: unknown, model: unknown): void {
  if (!isObject(runner) || typeof runner._runTools !== 'function') return;
  const runLoop = runner._runTools as AnyFunction;
  Object.defineProperty(runner, '_runTools', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function runToolsTraced(this: unknown, ...args: unknown[]): unknown {
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
      };
      if (typeof model === 'string' && model !== '') attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
      const run = startRun('invoke_agent', SpanKind.INTERNAL, attributes, {
        streamIdleTimeoutMillis: genaiSettings().streamIdleTimeoutMillis,
        onEnd(_span, outcome) {
          recordAgentDuration(outcome.durationSeconds, {
            requestModel: attributes[ATTR_GEN_AI_REQUEST_MODEL] as string | undefined,
            errorType: outcome.errorType,
          });
        },
      });
      return run === undefined ? runLoop.apply(this, args) : run.run(runLoop, this, args);
    },
  });
}

/**
 * Wraps `chat.completions.runTools()`: the run becomes one `invoke_agent` span, parent of its model calls, and each
 * tool the runner executes an `execute_tool` span (tool name, call id, type `function`; arguments and result only
 * with content capture on). The caller gets the SDK's own runner.
 *
 * @example
 * instrumentation._wrap(OpenAI.Chat.Completions.prototype, 'runTools', wrapRunTools);
 */
export function wrapRunTools(original: AnyFunction): AnyFunction {
  return function runTools(this: unknown, ...args: unknown[]): unknown {
    const [body, ...rest] = args;
    let tracedBody = body;
    try {
      tracedBody = withTracedTools(body, { usedCallIds: new Set() });
    } catch (error) {
      errorOnce('openai:run-tools:tools', 'could not trace the tools of a runTools() call; they run untraced', error);
      tracedBody = body;
    }
    const runner = original.call(this, tracedBody, ...rest);
    try {
      traceRunnerLoop(runner, isObject(tracedBody) ? tracedBody.model : undefined);
    } catch (error) {
      errorOnce('openai:run-tools:runner', 'could not trace a runTools() run as one span', error);
    }
    return runner;
  };
}
