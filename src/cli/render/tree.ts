// A trace as an indented tree, one span per line: what `genai-otel traces` and `npm run demo` print.
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GENAI_OTEL_COST_USD,
  ATTR_GENAI_OTEL_RETRY_COUNT,
  ATTR_GENAI_OTEL_RETRY_REASON,
  ATTR_GENAI_OTEL_REVISION_TYPE,
  ATTR_GEN_AI_MEMORY_RECORD_COUNT,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../../attributes/names.ts';
import type { CliSpan } from '../telemetry/otlp-json.ts';
import { clock, count, millis, shortId, usd } from './format.ts';
import type { Style } from './style.ts';
import { terminalSafeDeep } from './terminal-text.ts';

/** Spans grouped by trace, each trace's spans in start order, traces newest first. */
export function groupTraces(spans: readonly CliSpan[]): CliSpan[][] {
  const traces = new Map<string, CliSpan[]>();
  for (const span of spans) {
    const list = traces.get(span.traceId) ?? [];
    list.push(span);
    traces.set(span.traceId, list);
  }
  const startOf = (trace: CliSpan[]) => trace.reduce((first, span) => Math.min(first, span.startMillis), Infinity);
  return [...traces.values()]
    .map((trace) => trace.sort((a, b) => a.startMillis - b.startMillis))
    .sort((a, b) => startOf(b) - startOf(a));
}

/** Spans of a trace whose parent is not in it: the root, or several when a part is missing. */
export function rootsOf(trace: readonly CliSpan[]): CliSpan[] {
  const ids = new Set(trace.map((span) => span.spanId));
  return trace.filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId));
}

function details(span: CliSpan, style: Style): string {
  const a = span.attributes;
  const parts: string[] = [];
  const input = a[ATTR_GEN_AI_USAGE_INPUT_TOKENS];
  const output = a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
  if (typeof input === 'number' || typeof output === 'number') {
    const cached = a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS];
    parts.push(
      `${count(Number(input ?? 0))}→${count(Number(output ?? 0))} tokens${typeof cached === 'number' && cached > 0 ? ` (${count(cached)} cached)` : ''}`,
    );
  }
  if (typeof a[ATTR_GENAI_OTEL_COST_USD] === 'number') parts.push(usd(a[ATTR_GENAI_OTEL_COST_USD]));
  if (typeof a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] === 'number')
    parts.push(`first chunk ${millis(a[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] * 1000)}`);
  if (typeof a[ATTR_GEN_AI_MEMORY_RECORD_COUNT] === 'number')
    parts.push(`${a[ATTR_GEN_AI_MEMORY_RECORD_COUNT]} records`);
  if (typeof a[ATTR_GENAI_OTEL_RETRY_COUNT] === 'number' && a[ATTR_GENAI_OTEL_RETRY_COUNT] > 0) {
    parts.push(
      style.yellow(`retried ×${a[ATTR_GENAI_OTEL_RETRY_COUNT]} (${String(a[ATTR_GENAI_OTEL_RETRY_REASON] ?? '?')})`),
    );
  }
  if (typeof a[ATTR_GENAI_OTEL_REVISION_TYPE] === 'string') parts.push(`revision: ${a[ATTR_GENAI_OTEL_REVISION_TYPE]}`);
  if (span.error) parts.push(style.red(`ERROR ${String(a[ATTR_ERROR_TYPE] ?? span.statusMessage ?? '')}`.trim()));
  return parts.length > 0 ? `  ${parts.join(' · ')}` : '';
}

/**
 * The lines of one trace: a header (id, service, time, session) and the span tree.
 *
 * @example
 * for (const line of renderTrace(spans, styleFor(process.stdout))) console.log(line);
 */
export function renderTrace(given: readonly CliSpan[], style: Style): string[] {
  // Names and attributes come from whoever sent the telemetry: escaped before anything is built from them.
  const trace = terminalSafeDeep(given);
  const children = new Map<string, CliSpan[]>();
  for (const span of trace) {
    if (span.parentSpanId === undefined) continue;
    const list = children.get(span.parentSpanId) ?? [];
    list.push(span);
    children.set(span.parentSpanId, list);
  }
  const roots = rootsOf(trace);
  const first = roots[0] ?? trace[0];
  if (first === undefined) return [];
  const session = trace.find((span) => typeof span.attributes[ATTR_SESSION_ID] === 'string');
  const start = trace.reduce((first, span) => Math.min(first, span.startMillis), Infinity);
  const end = trace.reduce((last, span) => Math.max(last, span.startMillis + span.durationMillis), -Infinity);
  const header = [
    style.bold(`trace ${first.traceId}`),
    first.serviceName,
    clock(start, true),
    millis(end - start),
    session === undefined
      ? ''
      : `session ${shortId(String(session.attributes[ATTR_SESSION_ID]))}${typeof session.attributes[ATTR_USER_ID] === 'string' ? ` (${shortId(session.attributes[ATTR_USER_ID])})` : ''}`,
  ].filter((part) => part !== '');
  const lines = [header.join('  ')];
  const walk = (span: CliSpan, prefix: string, last: boolean) => {
    const name = span.error ? style.red(span.name) : span.name;
    lines.push(
      `${prefix}${last ? '└─ ' : '├─ '}${name}  ${style.dim(millis(span.durationMillis))}${details(span, style)}`,
    );
    const kids = (children.get(span.spanId) ?? []).sort((a, b) => a.startMillis - b.startMillis);
    kids.forEach((kid, index) => walk(kid, `${prefix}${last ? '   ' : '│  '}`, index === kids.length - 1));
  };
  roots.forEach((root, index) => walk(root, '', index === roots.length - 1));
  return lines;
}
