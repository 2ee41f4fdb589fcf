import { trace, type Context, type Span } from '@opentelemetry/api';

/**
 * The `execute_tool` spans genai-otel's agent-framework mappings keep open while a tool runs, by span, with the
 * tool's name. The MCP conventions ask an MCP client instrumentation that can tell an outer GenAI instrumentation
 * already traces a tool execution to add its attributes to that span instead of starting a second one: this is
 * how the MCP instrumentation tells.
 */
const openToolSpans = new WeakMap<Span, string>();

/**
 * Marks `span` as the `execute_tool` span of `toolName` until {@link closeToolSpan}.
 *
 * @example
 * const span = tracer.startSpan('execute_tool get_weather');
 * openToolSpan(span, 'get_weather');
 */
export function openToolSpan(span: Span, toolName: string): void {
  openToolSpans.set(span, toolName);
}

/** Ends the mark of {@link openToolSpan} (the span is ending). */
export function closeToolSpan(span: Span): void {
  openToolSpans.delete(span);
}

/**
 * The span active in `ctx` when it is an open `execute_tool` span of `toolName`; `undefined` otherwise.
 *
 * @example
 * const outer = toolSpanOf(context.active(), 'get_weather');
 * if (outer !== undefined) outer.setAttribute('mcp.method.name', 'tools/call');
 */
export function toolSpanOf(ctx: Context, toolName: string | undefined): Span | undefined {
  if (toolName === undefined) return undefined;
  const span = trace.getSpan(ctx);
  return span !== undefined && openToolSpans.get(span) === toolName ? span : undefined;
}
