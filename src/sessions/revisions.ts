import type { Attributes, Span } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import { withSpan } from '../genai/operations.ts';
import {
  ATTR_GENAI_OTEL_REVISION_ATTEMPT,
  ATTR_GENAI_OTEL_REVISION_FIRST_SPAN_ID,
  ATTR_GENAI_OTEL_REVISION_FIRST_TRACE_ID,
  ATTR_GENAI_OTEL_REVISION_TYPE,
  SPAN_GENAI_OTEL_ANSWER_REVISION,
} from '../attributes/names.ts';
import { isObject } from '../attributes/safe-values.ts';
import { answerRef, resolveTarget, spanContextOfRef, type AnswerTarget, type SpanRef } from '../genai/span-ref.ts';
import { sessionInstruments } from './session-instruments.ts';

/** How an answer came to be. `initial` is implied for any answer not made inside `withRevision`. */
export type RevisionType = 'initial' | 'edited' | 'reran' | 'undone' | 'cleared';

const REVISION_TYPES: readonly RevisionType[] = ['edited', 'reran', 'undone', 'cleared'];

/**
 * A change to an answer: `reran` (regenerated from the same input), `edited` (the user edited their message and the
 * answer was generated again), `undone` (the answer was taken back), `cleared` (the conversation was cleared). `of` is
 * the FIRST attempt of the answer. `attempt` is the number of this attempt (the first answer is 1); leave it out and
 * genai-otel counts in this process.
 *
 * @example
 * const revision: Revision = { of: message.firstRef, type: 'reran', attempt: message.attempts + 1 };
 */
export interface Revision {
  of: AnswerTarget;
  type: Exclude<RevisionType, 'initial'>;
  attempt?: number;
}

const MAX_TRACKED_ANSWERS = 10_000;
/** Latest attempt number per first attempt (trace id + span id), oldest entries evicted first. */
const attempts = new Map<string, number>();

function nextAttempt(first: SpanRef, type: Revision['type'], given: unknown): number {
  const key = `${first.traceId}/${first.spanId}`;
  const previous = attempts.get(key) ?? 1;
  let attempt: number;
  if (given !== undefined) {
    if (typeof given === 'number' && Number.isSafeInteger(given) && given >= 1) attempt = given;
    else {
      warnOnce(
        'revision:attempt',
        `withRevision: attempt must be a whole number from 1, got ${String(given)}; counting in this process instead`,
      );
      attempt = type === 'reran' || type === 'edited' ? previous + 1 : previous;
    }
  } else {
    // A new answer is a new attempt; taking an answer back or clearing concerns the attempt shown.
    attempt = type === 'reran' || type === 'edited' ? previous + 1 : previous;
  }
  attempts.delete(key);
  attempts.set(key, Math.max(attempt, previous));
  if (attempts.size > MAX_TRACKED_ANSWERS) attempts.delete(attempts.keys().next().value!);
  return attempt;
}

interface PreparedRevision {
  name: string;
  attributes: Attributes;
  first: SpanRef;
  type: Revision['type'];
}

function prepare(revision: unknown, origin: string): PreparedRevision | undefined {
  if (!isObject(revision)) {
    warnOnce(
      `${origin}:object`,
      `${origin}: expected { of, type } where of is the first attempt's { call }, { span } or { traceId, spanId }; not recorded`,
    );
    return undefined;
  }
  const first = resolveTarget(revision.of);
  if (first === undefined) {
    warnOnce(
      `${origin}:of`,
      `${origin}: "of" must be the first attempt as { call }, { span } or { traceId, spanId }; not recorded`,
    );
    return undefined;
  }
  const type = revision.type as Revision['type'];
  if (!REVISION_TYPES.includes(type)) {
    warnOnce(
      `${origin}:type`,
      `${origin}: type must be one of ${REVISION_TYPES.join(', ')}, got ${String(revision.type)}; not recorded`,
    );
    return undefined;
  }
  const attempt = nextAttempt(first, type, revision.attempt);
  return {
    name: `${SPAN_GENAI_OTEL_ANSWER_REVISION} ${type}`,
    first,
    type,
    attributes: {
      [ATTR_GENAI_OTEL_REVISION_TYPE]: type,
      [ATTR_GENAI_OTEL_REVISION_ATTEMPT]: attempt,
      [ATTR_GENAI_OTEL_REVISION_FIRST_TRACE_ID]: first.traceId,
      [ATTR_GENAI_OTEL_REVISION_FIRST_SPAN_ID]: first.spanId,
    },
  };
}

function linkAndCount(span: Span, prepared: PreparedRevision): void {
  try {
    span.addLink({
      context: spanContextOfRef(prepared.first),
      attributes: { [ATTR_GENAI_OTEL_REVISION_TYPE]: prepared.type },
    });
    sessionInstruments().revisions.add(1, { [ATTR_GENAI_OTEL_REVISION_TYPE]: prepared.type });
  } catch (error) {
    errorOnce('revision:link', 'could not link a revision to its first attempt', error);
  }
}

/**
 * Runs `fn` (the regeneration: your LLM call, agent run...) as a revision of an answer: an `answer_revision {type}` span
 * with `genai_otel.revision.type`, `genai_otel.revision.attempt` and a span link to the first attempt, parent of the
 * spans `fn` starts. A session's history of an answer is then the first attempt plus the spans linked to it. Returns
 * exactly what `fn` returns.
 *
 * @example
 * const again = await withRevision({ of: message.firstRef, type: 'reran' }, () => withLLMCall(request, () => client.chat(...)));
 */
export function withRevision<R>(revision: Revision, fn: (span: Span) => R): R {
  let prepared: PreparedRevision | undefined;
  try {
    prepared = prepare(revision, 'withRevision');
  } catch (error) {
    errorOnce('revision:prepare', 'withRevision: could not record the revision; the function runs without it', error);
  }
  if (prepared === undefined) return withSpan(SPAN_GENAI_OTEL_ANSWER_REVISION, fn);
  return runRevision(prepared, fn);
}

/** The revision's span, linked to the first attempt and counted, around `fn`. */
function runRevision<R>(prepared: PreparedRevision, fn: (span: Span) => R): R {
  return withSpan(
    prepared.name,
    (span) => {
      linkAndCount(span, prepared);
      return fn(span);
    },
    { attributes: prepared.attributes },
  );
}

/**
 * Records a revision that runs no code of its own, such as an answer `undone` or a conversation `cleared` (or an
 * `edited` answer the user rewrote by hand): a zero-length `answer_revision {type}` span linked to the first attempt.
 * Returns the revision's reference, or undefined when nothing was recorded.
 *
 * @example
 * recordRevision({ of: message.firstRef, type: 'undone' });
 */
export function recordRevision(revision: Revision): SpanRef | undefined {
  try {
    const prepared = prepare(revision, 'recordRevision');
    return prepared === undefined ? undefined : runRevision(prepared, (span) => answerRef(span));
  } catch (error) {
    errorOnce('revision:record', 'recordRevision failed; nothing was recorded', error);
    return undefined;
  }
}
