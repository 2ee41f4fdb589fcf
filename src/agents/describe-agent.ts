import { nodeCrypto } from '../core/loaders.ts';
import type { Attributes } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { capturesContentOnSpans, toInstructionParts, toToolDefinitions } from '../genai/content.ts';
import {
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GENAI_OTEL_AGENT_INSTRUCTIONS_SHA256,
  ATTR_GENAI_OTEL_AGENT_TOOLS,
  GEN_AI_OPERATION_NAME_VALUE_CREATE_AGENT,
} from '../attributes/names.ts';
import { withSpan } from '../genai/operations.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, putAttribute, safeJson, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import type { AgentRequest, MessagePart } from '../genai/llm-types.ts';
import { answerRef, type SpanRef } from '../genai/span-ref.ts';

/**
 * How an agent is configured. `tools` are names or definitions (OpenAI `{ type: 'function', function: { name } }`,
 * Anthropic `{ name, input_schema }`, ...); definitions and instructions are recorded only with content capture on.
 *
 * @example
 * const agent: AgentDescription = { name: 'support-agent', version: '3', provider: 'openai', model: 'gpt-4o-mini', tools: ['lookup_order'] };
 */
export interface AgentDescription extends Pick<
  AgentRequest,
  'name' | 'id' | 'description' | 'version' | 'provider' | 'model'
> {
  tools?: readonly unknown[];
  systemInstructions?: string | MessagePart[];
  /** Overrides OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT for this description. */
  captureContent?: boolean;
}

const ORIGIN = 'describeAgent';

function toolName(tool: unknown): string | undefined {
  if (typeof tool === 'string') return tool;
  if (!isObject(tool)) return undefined;
  if (typeof tool.name === 'string') return tool.name;
  if (isObject(tool.function) && typeof tool.function.name === 'string') return tool.function.name;
  return undefined;
}

function instructionsText(instructions: string | MessagePart[]): string {
  return typeof instructions === 'string' ? instructions : safeJson(instructions, Number.MAX_SAFE_INTEGER);
}

/** Plain attributes, and the content ones, which are cut at GENAI_OTEL_MAX_CONTENT_LENGTH rather than like names. */
function agentAttributes(agent: Partial<AgentDescription>): { attributes: Attributes; content: Attributes } {
  const settings = genaiSettings();
  const captureContent = capturesContentOnSpans(settings.captureContent, agent.captureContent);
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CREATE_AGENT };
  const content: Attributes = {};
  putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, agent.provider, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_AGENT_NAME, agent.name, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_AGENT_ID, agent.id, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_AGENT_DESCRIPTION, agent.description, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_AGENT_VERSION, agent.version, ORIGIN);
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL, agent.model, ORIGIN);
  if (agent.tools !== undefined) {
    if (Array.isArray(agent.tools)) {
      const names = agent.tools
        .map(toolName)
        .filter((name) => name !== undefined)
        .map((name) => truncate(name, MAX_PLAIN_STRING_LENGTH));
      attributes[ATTR_GENAI_OTEL_AGENT_TOOLS] = names;
      const definitions = toToolDefinitions(agent.tools.filter((tool) => typeof tool !== 'string'));
      if (captureContent && definitions.length > 0)
        content[ATTR_GEN_AI_TOOL_DEFINITIONS] = safeJson(definitions, settings.maxContentLength);
    } else {
      warnOnce(`${ORIGIN}:tools`, `${ORIGIN}: tools must be an array of names or definitions; they were left out`);
    }
  }
  if (typeof agent.systemInstructions === 'string' || Array.isArray(agent.systemInstructions)) {
    // The digest names the prompt version in every case; the text itself is content.
    const { createHash } = nodeCrypto(); // not loaded with the preload
    attributes[ATTR_GENAI_OTEL_AGENT_INSTRUCTIONS_SHA256] = createHash('sha256')
      .update(instructionsText(agent.systemInstructions))
      .digest('hex');
    if (captureContent)
      content[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = safeJson(
        toInstructionParts(agent.systemInstructions),
        settings.maxContentLength,
      );
  }
  return { attributes, content };
}

/**
 * Records an agent's configuration as a `create_agent {name}` span (INTERNAL: nothing is created remotely), so that
 * sessions can be traced back to what served them: agent name and version, provider, model, tool names, and a SHA-256
 * of the system instructions (`genai_otel.agent.instructions.sha256`), which identifies the prompt version without
 * recording it. Instructions and tool definitions themselves only with content capture on. Call it where the agent is
 * built (at start-up, or per session inside `withContext`). Returns the span's reference.
 *
 * @example
 * describeAgent({ name: 'support-agent', version: '3', provider: 'openai', model: 'gpt-4o-mini', tools: [lookupOrderTool], systemInstructions: PROMPT });
 */
export function describeAgent(agent: AgentDescription): SpanRef | undefined {
  try {
    if (!isObject(agent)) {
      warnOnce(
        `${ORIGIN}:object`,
        `${ORIGIN}: expected an object like { name, model, provider }; nothing was recorded`,
      );
      return undefined;
    }
    if (typeof agent.name !== 'string' || agent.name === '')
      warnOnce(`${ORIGIN}:name`, `${ORIGIN}: name is missing; the span is named create_agent only`);
    const { attributes, content } = agentAttributes(agent);
    const name =
      typeof attributes[ATTR_GEN_AI_AGENT_NAME] === 'string'
        ? `create_agent ${attributes[ATTR_GEN_AI_AGENT_NAME]}`
        : 'create_agent';
    return withSpan(
      name,
      (span) => {
        span.setAttributes(content);
        return answerRef(span);
      },
      { attributes },
    );
  } catch (error) {
    errorOnce(`${ORIGIN}:failed`, `${ORIGIN} failed; nothing was recorded`, error);
    return undefined;
  }
}
