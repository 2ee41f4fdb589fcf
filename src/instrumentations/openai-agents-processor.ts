import { SpanKind, SpanStatusCode, logs, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { storedActiveContext } from '../context/agents-context.ts';
import { capturesContentOnSpans } from '../genai/content.ts';
import { recordAgentDuration, recordToolDuration } from '../genai/operation-metrics.ts';
import { hrTimeOfIso, noteCountedStep } from './counted-steps.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_GENAI_OTEL_AGENT_TOOLS,
  ATTR_GENAI_OTEL_HANDOFF_FROM_AGENT,
  ATTR_GENAI_OTEL_HANDOFF_TO_AGENT,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GENAI_OTEL_GUARDRAIL_NAME,
  ATTR_GENAI_OTEL_GUARDRAIL_RESULT_TYPE,
  ATTR_GENAI_OTEL_GUARDRAIL_RESULT_VALUE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_WORKFLOW_NAME,
  EVENT_GENAI_OTEL_GUARDRAIL_RESULT,
  INSTRUMENTATION_SCOPE,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { closeToolSpan, openToolSpan } from '../genai/tool-spans.ts';
import { genaiTracer } from '../genai/span-runner.ts';
import { errorOnce } from '../core/diagnostics.ts';
import { VERSION } from '../version.ts';

/** What the processor reads of an Agents SDK span (agents-core `tracing/spans.d.ts`). */
export interface AgentsSpan {
  readonly spanId: string;
  readonly traceId: string;
  readonly parentId: string | null;
  readonly spanData: { type: string; [key: string]: unknown };
  readonly error: { message: string } | null;
  /** ISO 8601, set as the span starts. */
  readonly startedAt?: string | null;
}

/** What the processor reads of an Agents SDK trace (agents-core `tracing/traces.d.ts`). */
export interface AgentsTrace {
  readonly traceId: string;
  readonly name: string;
  readonly groupId: string | null;
}

/** The SDK's own "where are we": its exported `getCurrentSpan()` and `getCurrentTrace()`. */
export interface AgentsCurrent {
  span(): AgentsSpan | null;
  trace(): AgentsTrace | null;
}

const DONE: Promise<void> = Promise.resolve();

/** The SDK's id of spans and traces made while its tracing is off. */
const NOOP_ID = 'no-op';

/** One SDK span or trace as OpenTelemetry sees it. */
interface Step {
  /** Our span; none for the SDK spans that map to nothing (their children nest under the closest one that does). */
  span?: Span;
  /** The context children of this step get: our span's, or the parent's. */
  context: Context;
  /** The context OpenTelemetry held when the step started: while it still holds it, the step is the active span. */
  stored: Context;
  type: string;
  name?: string;
  startTime: number;
  parent?: Step;
  /** Whether the agent's description was set (once per agent span). */
  described?: boolean;
  /** A tool step's span, not started yet (see `spanOf`). */
  deferred?: DeferredSpan;
}

/**
 * A tool's span waits until something needs it: the SDK marks an MCP tool (`mcp_data`) only once the tool runs, and an
 * MCP tool call's span is the MCP client's, of kind CLIENT (the MCP conventions; the MCP server's span is its child),
 * where any other tool's is INTERNAL (the GenAI conventions). It starts with the SDK span's start time.
 */
interface DeferredSpan {
  name: string;
  attributes: Attributes;
  parentContext: Context;
  /** `performance.now()` when the SDK span started: the SDK takes it as its own clock's (as it would its end time). */
  startTime: number;
  data: Record<string, unknown>;
  toolName?: string;
}

interface TraceState {
  root?: Step;
  steps: Map<string, Step>;
  /** Ended SDK spans: a copy of one still "current" somewhere must not start a new span. */
  ended: Set<string>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? truncate(value, MAX_PLAIN_STRING_LENGTH) : undefined;
}

function names(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value
    .filter((item): item is string => typeof item === 'string')
    .map((item) => truncate(item, MAX_PLAIN_STRING_LENGTH));
  return list.length === 0 ? undefined : list;
}

/** The name of the closest agent step above `step` (or `step` itself). */
function enclosingAgentName(step: Step | undefined): string | undefined {
  for (let current = step; current !== undefined; current = current.parent)
    if (current.type === 'agent') return current.name;
  return undefined;
}

/** The span an SDK span maps to, or undefined for those that map to nothing. */
function describe(data: AgentsSpan['spanData']): { name: string; attributes: Attributes } | undefined {
  switch (data.type) {
    case 'agent': {
      const name = text(data.name);
      // The conventions' in-process agent span names no provider: its model calls (the openai client's spans) do.
      const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent' };
      if (name !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = name;
      return { name: name === undefined ? 'invoke_agent' : `invoke_agent ${name}`, attributes };
    }
    case 'function': {
      const name = text(data.name);
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
        [ATTR_GEN_AI_TOOL_TYPE]: 'function',
      };
      if (name !== undefined) attributes[ATTR_GEN_AI_TOOL_NAME] = name;
      return { name: name === undefined ? 'execute_tool' : `execute_tool ${name}`, attributes };
    }
    case 'handoff': {
      const attributes: Attributes = {};
      const from = text(data.from_agent);
      if (from !== undefined) attributes[ATTR_GENAI_OTEL_HANDOFF_FROM_AGENT] = from;
      return { name: 'handoff', attributes };
    }
    case 'custom':
      return { name: text(data.name) ?? 'custom', attributes: {} };
    default:
      // task and turn (the run and its loop: the agent span says it), response and generation (the LLM client's own
      // span records each call, usage and cost once), guardrail (an event), mcp_tools (the MCP instrumentation's),
      // transcription and speech (not covered).
      return undefined;
  }
}

/** The SDK's steps that another bridge (OpenInference's) describes as a tool: a function, a handoff, listing MCP tools. */
const TOOL_STEPS: ReadonlySet<string> = new Set(['function', 'handoff', 'mcp_tools']);

/**
 * Notes a tool or agent step this processor traces (its metric is recorded when it ends), at the SDK's own start time:
 * another bridge of the same SDK (OpenInference's) gets the same step and starts its span at that time, and its span
 * of the step then adds nothing to the metrics (see counted-steps.ts).
 */
function noteTracedStep(sdkSpan: AgentsSpan): void {
  const data = sdkSpan.spanData as Record<string, unknown> | undefined;
  if (!isObject(data) || typeof data.type !== 'string') return;
  const { type } = data;
  const kind = type === 'agent' ? 'agent' : TOOL_STEPS.has(type) ? 'tool' : undefined;
  if (kind === undefined) return;
  const start = hrTimeOfIso(sdkSpan.startedAt);
  noteCountedStep(kind, type === 'agent' || type === 'function' ? text(data.name) : undefined, start, start);
}

/**
 * A tracing processor for the OpenAI Agents SDK (`addTraceProcessor`): each SDK trace becomes an `invoke_workflow`
 * span, each agent an `invoke_agent {name}` span, each tool an `execute_tool {name}` span, each handoff a `handoff`
 * span, each guardrail result a `genai_otel.guardrail.result` event, all in one OpenTelemetry trace under the context the
 * run started in. Its `resolve()` makes the current SDK step the active OpenTelemetry span, so the LLM client's spans
 * nest under the agent that made the call. Every method is guarded: the SDK and the run never see our faults.
 *
 * @example
 * const processor = new OpenAIAgentsProcessor({ span: getCurrentSpan, trace: getCurrentTrace });
 * addTraceProcessor(processor);
 */
export class OpenAIAgentsProcessor {
  private readonly current: AgentsCurrent;
  private readonly traces = new Map<string, TraceState>();
  /** Set while we start a span: the span processors asking for the active context must not start it again. */
  private starting = false;
  enabled = true;

  constructor(current: AgentsCurrent) {
    this.current = current;
  }

  /**
   * The context spans started now should get: the current SDK step's, when OpenTelemetry still holds the context the
   * step started in (anything the app or a library set since, inside the step, wins).
   */
  resolve(stored: Context): Context | undefined {
    if (!this.enabled || this.starting) return undefined;
    const sdkSpan = this.current.span();
    let step: Step | undefined;
    if (sdkSpan !== null && sdkSpan !== undefined) step = this.stepOf(sdkSpan, stored);
    if (step === undefined) {
      const sdkTrace = this.current.trace();
      if (sdkTrace !== null && sdkTrace !== undefined) step = this.rootOf(sdkTrace, stored);
    }
    return step !== undefined && step.stored === stored ? this.contextOf(step) : undefined;
  }

  /** Called by the SDK's `agent_tool_start` event, while the tool's span is the SDK's current span. */
  noteToolCall(callId: unknown, description: unknown): void {
    if (!this.enabled) return;
    const sdkSpan = this.current.span();
    if (sdkSpan === null || sdkSpan === undefined || sdkSpan.spanData?.type !== 'function') return;
    const step = this.traces.get(sdkSpan.traceId)?.steps.get(sdkSpan.spanId);
    if (step === undefined) return;
    // Before the tool runs: its span has not started yet, the attributes wait with the rest.
    const set = (key: string, value: string) => {
      if (step.deferred !== undefined) step.deferred.attributes[key] = value;
      else step.span?.setAttribute(key, value);
    };
    const id = text(callId);
    if (id !== undefined) set(ATTR_GEN_AI_TOOL_CALL_ID, id);
    const about = text(description);
    if (about !== undefined) set(ATTR_GEN_AI_TOOL_DESCRIPTION, about);
  }

  /**
   * Called by the SDK's `agent_start` event: the agent object, which its span data lacks, gives the span its
   * description (`handoffDescription`, how the SDK describes an agent to others).
   */
  noteAgent(agent: unknown): void {
    if (!this.enabled || !isObject(agent)) return;
    const sdkSpan = this.current.span();
    if (sdkSpan === null || sdkSpan === undefined) return;
    let step = this.traces.get(sdkSpan.traceId)?.steps.get(sdkSpan.spanId);
    while (step !== undefined && step.type !== 'agent') step = step.parent;
    if (step?.span === undefined || step.described === true || step.name !== text(agent.name)) return;
    step.described = true;
    const description = text(agent.handoffDescription);
    if (description !== undefined) step.span.setAttribute(ATTR_GEN_AI_AGENT_DESCRIPTION, description);
  }

  // The SDK awaits every method: one settled promise for all (no allocation per span; the methods never reject).
  onTraceStart(sdkTrace: AgentsTrace): Promise<void> {
    if (!this.enabled) return DONE;
    try {
      this.rootOf(sdkTrace, storedActiveContext());
    } catch (error) {
      this.fault('trace start', error);
    }
    return DONE;
  }

  onTraceEnd(sdkTrace: AgentsTrace): Promise<void> {
    if (!this.enabled) return DONE;
    try {
      this.endTrace(sdkTrace.traceId, undefined);
    } catch (error) {
      this.fault('trace end', error);
    }
    return DONE;
  }

  private endTrace(traceId: string, error: { message: string } | null | undefined): void {
    const state = this.traces.get(traceId);
    if (state === undefined) return;
    this.traces.delete(traceId);
    // Spans the SDK never ended (an abandoned stream) end with their trace.
    for (const step of state.steps.values()) this.spanOf(step)?.end(performance.now());
    const root = state.root?.span;
    if (root === undefined) return;
    if (error !== null && error !== undefined) {
      root.setAttribute(ATTR_ERROR_TYPE, '_OTHER');
      root.setStatus({
        code: SpanStatusCode.ERROR,
        message: typeof error.message === 'string' ? truncate(error.message, MAX_PLAIN_STRING_LENGTH) : undefined,
      });
    }
    root.end();
  }

  onSpanStart(sdkSpan: AgentsSpan): Promise<void> {
    if (!this.enabled) return DONE;
    try {
      this.stepOf(sdkSpan, storedActiveContext());
      noteTracedStep(sdkSpan);
    } catch (error) {
      this.fault('span start', error);
    }
    return DONE;
  }

  onSpanEnd(sdkSpan: AgentsSpan): Promise<void> {
    if (!this.enabled) return DONE;
    try {
      this.endStep(sdkSpan);
    } catch (error) {
      this.fault('span end', error);
    }
    return DONE;
  }

  /** OpenTelemetry's own providers flush and shut down with genai-otel; the SDK replacing its processors calls this. */
  shutdown(): Promise<void> {
    return DONE;
  }

  forceFlush(): Promise<void> {
    return DONE;
  }

  private endStep(sdkSpan: AgentsSpan): void {
    const state = this.traces.get(sdkSpan.traceId);
    const step = state?.steps.get(sdkSpan.spanId);
    if (state === undefined || step === undefined) return;
    state.steps.delete(sdkSpan.spanId);
    // A copy of an ended step must not start a second span; one without a span can come back harmlessly.
    if (this.spanOf(step) !== undefined) state.ended.add(sdkSpan.spanId);
    this.finish(step, sdkSpan);
    // A run that fails never ends its trace (agents-core 0.20 skips trace.end() when the run throws): the trace
    // ends with the failed run's last span instead of staying open for good.
    if (sdkSpan.parentId === null && sdkSpan.error !== null && sdkSpan.error !== undefined && state.steps.size === 0)
      this.endTrace(sdkSpan.traceId, sdkSpan.error);
  }

  private fault(what: string, error: unknown): void {
    this.starting = false;
    errorOnce(
      `openai-agents:${what}`,
      `could not map an OpenAI Agents SDK ${what} to OpenTelemetry; the run goes on untouched`,
      error,
    );
  }

  private startSpan(
    name: string,
    attributes: Attributes,
    parent: Context,
    kind: SpanKind = SpanKind.INTERNAL,
    startTime?: number,
  ): Span {
    this.starting = true;
    try {
      return genaiTracer().startSpan(name, { kind, attributes, startTime }, parent);
    } finally {
      this.starting = false;
    }
  }

  private rootOf(sdkTrace: AgentsTrace, stored: Context): Step | undefined {
    const traceId = sdkTrace.traceId;
    if (typeof traceId !== 'string' || traceId === NOOP_ID) return undefined;
    let state = this.traces.get(traceId);
    if (state?.root !== undefined) return state.root;
    if (state === undefined) {
      state = { steps: new Map(), ended: new Set() };
      this.traces.set(traceId, state);
    }
    const name = text(sdkTrace.name);
    const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_workflow' };
    if (name !== undefined) attributes[ATTR_GEN_AI_WORKFLOW_NAME] = name;
    // The SDK's group id is the app's own thread or conversation id (never made up by the SDK).
    const groupId = text(sdkTrace.groupId);
    if (groupId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = groupId;
    const span = this.startSpan(name === undefined ? 'invoke_workflow' : `invoke_workflow ${name}`, attributes, stored);
    state.root = { span, context: trace.setSpan(stored, span), stored, type: 'trace', startTime: performance.now() };
    return state.root;
  }

  private stepOf(sdkSpan: AgentsSpan, stored: Context): Step | undefined {
    const { spanId, traceId } = sdkSpan;
    if (typeof spanId !== 'string' || typeof traceId !== 'string' || spanId === NOOP_ID || traceId === NOOP_ID)
      return undefined;
    let state = this.traces.get(traceId);
    if (state === undefined) {
      // A trace that started before the processor was added: its spans still nest among themselves.
      state = { steps: new Map(), ended: new Set() };
      this.traces.set(traceId, state);
    }
    const existing = state.steps.get(spanId);
    if (existing !== undefined || state.ended.has(spanId)) return existing;
    const parent = (sdkSpan.parentId === null ? undefined : state.steps.get(sdkSpan.parentId)) ?? state.root;
    // Inside the parent, unless OpenTelemetry's context moved on since (a span the app started inside it).
    const parentContext = parent !== undefined && parent.stored === stored ? this.contextOf(parent) : stored;
    const data = sdkSpan.spanData;
    const type = isObject(data) && typeof data.type === 'string' ? data.type : 'unknown';
    const described = isObject(data) ? describe(data) : undefined;
    let step: Step;
    if (described === undefined) {
      step = { context: parentContext, stored, type, startTime: 0, parent };
    } else {
      const name = text(data.name);
      if (type === 'function') {
        // The conventions name the agent a tool runs for on its span.
        const agent = enclosingAgentName(parent);
        if (agent !== undefined) described.attributes[ATTR_GEN_AI_AGENT_NAME] = agent;
        step = {
          context: parentContext,
          stored,
          type,
          name,
          startTime: performance.now(),
          parent,
          deferred: {
            name: described.name,
            attributes: described.attributes,
            parentContext,
            startTime: performance.now(),
            data,
            toolName: name,
          },
        };
        state.steps.set(spanId, step);
        return step;
      }
      const span = this.startSpan(described.name, described.attributes, parentContext);
      step = {
        span,
        context: trace.setSpan(parentContext, span),
        stored,
        type,
        name,
        startTime: performance.now(),
        parent,
      };
    }
    state.steps.set(spanId, step);
    return step;
  }

  /** The step's span, started now if it waited (a tool's: CLIENT when the SDK marked it an MCP tool). */
  private spanOf(step: Step): Span | undefined {
    const deferred = step.deferred;
    if (deferred === undefined) return step.span;
    step.deferred = undefined;
    const mcp = deferred.data.mcp_data !== undefined && deferred.data.mcp_data !== null;
    const span = this.startSpan(
      deferred.name,
      deferred.attributes,
      deferred.parentContext,
      mcp ? SpanKind.CLIENT : SpanKind.INTERNAL,
      deferred.startTime,
    );
    // An MCP tool's call (the SDK's MCP servers) joins this span instead of starting its own (see tool-spans.ts).
    if (deferred.toolName !== undefined) openToolSpan(span, deferred.toolName);
    step.span = span;
    step.context = trace.setSpan(deferred.parentContext, span);
    return span;
  }

  /** The context children of the step start in (its span started if it waited). */
  private contextOf(step: Step): Context {
    if (step.deferred !== undefined) this.spanOf(step);
    return step.context;
  }

  private finish(step: Step, sdkSpan: AgentsSpan): void {
    const data = sdkSpan.spanData;
    const durationSeconds = (performance.now() - step.startTime) / 1000;
    const error = sdkSpan.error;
    // The SDK keeps only a message (often the app's own error text): not low-cardinality enough for error.type.
    const errorType = error === null || error === undefined ? undefined : '_OTHER';
    if (step.type === 'guardrail') {
      this.emitGuardrailResult(step, data);
      return;
    }
    const span = this.spanOf(step);
    if (span === undefined) return;
    closeToolSpan(span);
    if (step.type === 'agent') {
      const tools = names(data.tools);
      const handoffs = names(data.handoffs);
      const all = [...(tools ?? []), ...(handoffs ?? [])];
      if (all.length > 0) span.setAttribute(ATTR_GENAI_OTEL_AGENT_TOOLS, all);
    } else if (step.type === 'function') {
      // The SDK marks an MCP tool's span while the tool runs (agents-core mcp.ts), after the span started.
      if (data.mcp_data !== undefined && data.mcp_data !== null) span.setAttribute(ATTR_GEN_AI_TOOL_TYPE, 'extension');
      const settings = genaiSettings();
      if (capturesContentOnSpans(settings.captureContent, undefined)) {
        if (typeof data.input === 'string' && data.input !== '')
          span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, truncate(data.input, settings.maxContentLength));
        if (typeof data.output === 'string' && data.output !== '')
          span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, truncate(data.output, settings.maxContentLength));
      }
    } else if (step.type === 'handoff') {
      const to = text(data.to_agent);
      if (to !== undefined) {
        span.setAttribute(ATTR_GENAI_OTEL_HANDOFF_TO_AGENT, to);
        span.updateName(`handoff ${to}`);
      }
    }
    if (errorType !== undefined) {
      const message = typeof error?.message === 'string' ? truncate(error.message, MAX_PLAIN_STRING_LENGTH) : undefined;
      span.setAttribute(ATTR_ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      // The conventions' failed operation records its exception; the SDK keeps only the message, not the error.
      span.addEvent('exception', { [ATTR_EXCEPTION_MESSAGE]: message ?? 'unknown error' });
    }
    // On the clock its start used (a waiting tool span was given the SDK span's start time).
    span.end(performance.now());
    if (step.type === 'agent') recordAgentDuration(durationSeconds, { name: step.name, errorType });
    else if (step.type === 'function')
      recordToolDuration(durationSeconds, {
        name: step.name,
        type: data.mcp_data !== undefined && data.mcp_data !== null ? 'extension' : 'function',
        errorType,
      });
  }

  /** The guardrail's result as an event of our own (the pinned conventions have none), in its agent's context. */
  private emitGuardrailResult(step: Step, data: AgentsSpan['spanData']): void {
    const attributes: Attributes = {
      [ATTR_GENAI_OTEL_GUARDRAIL_RESULT_TYPE]: 'tripwire_triggered',
      [ATTR_GENAI_OTEL_GUARDRAIL_RESULT_VALUE]: String(data.triggered === true),
    };
    const name = text(data.name);
    if (name !== undefined) attributes[ATTR_GENAI_OTEL_GUARDRAIL_NAME] = name;
    logs
      .getLogger(INSTRUMENTATION_SCOPE, VERSION)
      .emit({ eventName: EVENT_GENAI_OTEL_GUARDRAIL_RESULT, attributes, context: step.context });
  }
}
