import type { HrTime } from '@opentelemetry/api';
import { CountedResponses } from './counted-responses.ts';

/** A step of an agent run that has a duration metric of its own: a tool execution or an agent invocation. */
export type StepKind = 'tool' | 'agent';

/** Characters of a step's name kept in its key: enough to tell tools apart, and under the ids' length bound. */
const KEY_NAME_LENGTH = 200;

/**
 * The tool executions and agent invocations whose metric is recorded (by genai-otel's OpenAI Agents SDK processor, or
 * from another library's `execute_tool` / `invoke_agent` span), with when each ran, so that an OpenInference `TOOL` or
 * `AGENT` span of the same step (its Agents SDK bridge sees the same steps as genai-otel's processor, beside it) is
 * not counted again. Process-wide, as the processors of one SDK are; bounded as `CountedResponses` is.
 */
const counted = new CountedResponses();

/** A step named `name` (or unnamed: an Agents SDK handoff, whose target is known only at its end). */
const keyOf = (kind: StepKind, name: string | undefined): string =>
  `${kind}:${name === undefined ? '' : name.slice(0, KEY_NAME_LENGTH)}`;

/**
 * Remembers a step whose metric is recorded, from `start` to `end` (a step noted as it starts has `end` = `start`).
 *
 * @example
 * noteCountedStep('tool', 'lookup_order', span.startTime, span.endTime);
 */
export function noteCountedStep(kind: StepKind, name: string | undefined, start: HrTime, end: HrTime): void {
  counted.add(keyOf(kind, name), start, end);
}

/**
 * Whether a step of `kind` named `name`, or an unnamed one, was counted at some moment between `start` and `end`.
 *
 * @example
 * if (stepCountedElsewhere('tool', 'lookup_order', span.startTime, span.endTime)) markDuplicate(span);
 */
export function stepCountedElsewhere(kind: StepKind, name: string | undefined, start: HrTime, end: HrTime): boolean {
  return (
    (name !== undefined && counted.overlaps(keyOf(kind, name), start, end)) ||
    counted.overlaps(keyOf(kind, undefined), start, end)
  );
}

/** The time of an ISO 8601 timestamp (the Agents SDK's `startedAt`), or now when there is none to read. */
export function hrTimeOfIso(iso: unknown): HrTime {
  const parsed = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  const millis = Number.isFinite(parsed) ? parsed : Date.now();
  return [Math.floor(millis / 1000), (millis % 1000) * 1e6];
}
