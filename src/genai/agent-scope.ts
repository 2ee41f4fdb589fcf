import { context, createContextKey, type Context } from '@opentelemetry/api';

/**
 * The agent whose invocation is running, carried in the context so that the tool spans inside it name their agent
 * (`gen_ai.agent.name` on `execute_tool`), as the conventions ask, whichever helper or instrumentation made them.
 */
const AGENT_NAME_KEY = createContextKey('genai-otel.agent.name');

/**
 * `parent` with `name` as the running agent.
 *
 * @example
 * context.with(withAgentName(context.active(), 'support-agent'), () => runAgent());
 */
export function withAgentName(parent: Context, name: string | undefined): Context {
  return name === undefined ? parent : parent.setValue(AGENT_NAME_KEY, name);
}

/**
 * The name of the agent whose invocation encloses the current code, if any.
 *
 * @example
 * const agent = activeAgentName(); // 'support-agent' inside withAgent({ name: 'support-agent' }, ...)
 */
export function activeAgentName(from: Context = context.active()): string | undefined {
  const value = from.getValue(AGENT_NAME_KEY);
  return typeof value === 'string' ? value : undefined;
}
