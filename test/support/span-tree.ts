// The span tree of a trace as lines of text, for tests that assert a whole run's shape at once.
import type { ReceivedSpan } from '@genai-otel/mock-otlp-receiver';

/**
 * The spans under `root`, one line per span (`name` indented two spaces per level). Siblings are ordered by start
 * time (`'start'`: the order a run made them) or by name (`'name'`: for siblings that run concurrently).
 *
 * @example
 * assert.deepEqual(spanTree(spans, root, 'start'), ['invoke_workflow order graph', '  langgraph.node agent']);
 */
export function spanTree(spans: ReceivedSpan[], root: ReceivedSpan, order: 'start' | 'name', depth = 0): string[] {
  const children = spans
    .filter((span) => span.parentSpanId === root.spanId && span.traceId === root.traceId)
    .sort((a, b) =>
      order === 'name'
        ? a.name.localeCompare(b.name)
        : (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1) || a.name.localeCompare(b.name),
    );
  return [
    `${'  '.repeat(depth)}${root.name}`,
    ...children.flatMap((child) => spanTree(spans, child, order, depth + 1)),
  ];
}

/**
 * `span` and its ancestors up to the root, through parent ids (at most 50: a parent loop in bad data ends there).
 *
 * @example
 * assert.deepEqual(ancestry(spans, chat).map((s) => s.name), ['chat gpt-4o-mini', 'AskController.ask', 'GET /ask']);
 */
export function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  let current: ReceivedSpan | undefined = span;
  while (current !== undefined && chain.length < 50) {
    chain.push(current);
    const parent: string | undefined = current.parentSpanId;
    current = spans.find((candidate) => candidate.spanId === parent);
  }
  return chain;
}
