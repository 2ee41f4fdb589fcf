import type { Attributes } from '@opentelemetry/api';
import { genaiInstruments } from './genai-instruments.ts';
import { ShapeCache } from './shape-cache.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_WORKFLOW_NAME,
} from '../attributes/names.ts';

/**
 * The duration metrics of tools, agents and workflows, with the conventions' attributes decided here once for every
 * helper and instrumentation (withToolCall, the OpenAI Agents SDK, runTools, the AI SDK, ...). Attribute sets are
 * frozen and shared per shape, as the pre-bound metric series find their series by object identity. The conventions
 * give these metrics the attributes of the tool's and the in-process agent's spans they measure, without
 * `gen_ai.operation.name` (the metric names the operation) and without a provider (an agent may call several).
 */

/** What the tool metric says about one execution. */
export interface ToolMetricFacts {
  name?: string;
  /** `function`, `extension` or `datastore`. */
  type?: string;
  /** The agent the tool ran for. */
  agentName?: string;
  errorType?: string;
}

/** What the agent metric says about one invocation. */
export interface AgentMetricFacts {
  name?: string;
  /** The one model the agent is configured with, when it has only one. */
  requestModel?: string;
  errorType?: string;
}

const toolShapes = new ShapeCache();
const agentShapes = new ShapeCache();
const workflowShapes = new ShapeCache();

function put(attributes: Attributes, key: string, value: string | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

/**
 * Records `gen_ai.execute_tool.duration` for one tool execution.
 *
 * @example
 * recordToolDuration(0.12, { name: 'lookup_order', type: 'function' });
 */
export function recordToolDuration(seconds: number, facts: ToolMetricFacts): void {
  const attributes = toolShapes.get([facts.name, facts.type, facts.agentName, facts.errorType], () => {
    const built: Attributes = {};
    put(built, ATTR_GEN_AI_TOOL_NAME, facts.name);
    put(built, ATTR_GEN_AI_TOOL_TYPE, facts.type);
    put(built, ATTR_GEN_AI_AGENT_NAME, facts.agentName);
    put(built, ATTR_ERROR_TYPE, facts.errorType);
    return built;
  });
  genaiInstruments().toolDuration.record(seconds, attributes);
}

/**
 * Records `gen_ai.invoke_agent.duration` for one agent invocation.
 *
 * @example
 * recordAgentDuration(2.5, { name: 'support-agent', requestModel: 'gpt-4o-mini' });
 */
export function recordAgentDuration(seconds: number, facts: AgentMetricFacts): void {
  const attributes = agentShapes.get([facts.name, facts.requestModel, facts.errorType], () => {
    const built: Attributes = {};
    put(built, ATTR_GEN_AI_AGENT_NAME, facts.name);
    put(built, ATTR_GEN_AI_REQUEST_MODEL, facts.requestModel);
    put(built, ATTR_ERROR_TYPE, facts.errorType);
    return built;
  });
  genaiInstruments().agentDuration.record(seconds, attributes);
}

/**
 * Records `gen_ai.invoke_workflow.duration` for one workflow run.
 *
 * @example
 * recordWorkflowDuration(30.2, { name: 'nightly-digest' });
 */
export function recordWorkflowDuration(seconds: number, facts: { name?: string; errorType?: string }): void {
  const attributes = workflowShapes.get([facts.name, facts.errorType], () => {
    // The conventions give this metric the workflow name and error type only.
    const built: Attributes = {};
    put(built, ATTR_GEN_AI_WORKFLOW_NAME, facts.name);
    put(built, ATTR_ERROR_TYPE, facts.errorType);
    return built;
  });
  genaiInstruments().workflowDuration.record(seconds, attributes);
}
