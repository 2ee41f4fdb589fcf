import { SeverityNumber, context, type Attributes } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import {
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_USER_ID,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { otelLogger } from '../logs/otel-logger.ts';
import { BoundedValues } from '../sessions/bounded-values.ts';
import { sessionInstruments } from '../sessions/session-instruments.ts';
import { contextOfRef, resolveTarget, type AnswerTarget } from '../genai/span-ref.ts';

/** The `gen_ai.evaluation.name` of feedback given by users. */
export const USER_FEEDBACK_EVALUATION = 'user_feedback';

/**
 * What a user (or a reviewer, or an evaluator) thought of an answer. `liked` scores 1 and `disliked` 0, unless
 * `score` says otherwise; `comment` becomes the evaluation's explanation.
 *
 * @example
 * const feedback: Feedback = { liked: true, comment: 'Exactly what I needed' };
 */
export interface Feedback {
  liked?: boolean;
  disliked?: boolean;
  /** Any scale: 1-5 stars, 0-10... The `gen_ai.evaluation.score.value`. */
  score?: number;
  comment?: string;
  /** Who gave it; defaults to the `userId` of the surrounding `withContext`. */
  userId?: string;
  /** `gen_ai.evaluation.name`; `user_feedback` by default. Keep the set of names small: it is a metric attribute. */
  name?: string;
}

const models = new BoundedValues(100);
const evaluationNames = new BoundedValues(20);

interface Verdict {
  label?: 'liked' | 'disliked';
  score?: number;
}

function verdictOf(feedback: Feedback): Verdict | undefined {
  const liked = feedback.liked === true;
  const disliked = feedback.disliked === true;
  if (liked && disliked) {
    warnOnce('feedback:both', 'recordFeedback: liked and disliked are both true; neither is recorded');
  }
  const verdict: Verdict = {};
  if (liked !== disliked) verdict.label = liked ? 'liked' : 'disliked';
  if (feedback.score !== undefined) {
    if (typeof feedback.score === 'number' && Number.isFinite(feedback.score)) verdict.score = feedback.score;
    else
      warnOnce(
        'feedback:score',
        `recordFeedback: score must be a finite number, got ${String(feedback.score)}; it was left out`,
      );
  }
  verdict.score ??= verdict.label === 'liked' ? 1 : verdict.label === 'disliked' ? 0 : undefined;
  const hasComment = typeof feedback.comment === 'string' && feedback.comment !== '';
  if (verdict.label === undefined && verdict.score === undefined && !hasComment) return undefined;
  return verdict;
}

/**
 * Records feedback on an answer as a `gen_ai.evaluation.result` event (a log record carrying the trace and span ids of
 * the evaluated LLM call, as the conventions ask), and counts it: `genai_otel.feedback.likes`,
 * `genai_otel.feedback.dislikes` and the `genai_otel.feedback.score` histogram, by model. The target is the call handle
 * a helper gave your function, or just the ids (`answerRef`), so a feedback endpoint in another process can record it
 * long after the call. Returns whether something was recorded; never throws.
 *
 * @example
 * recordFeedback({ traceId: req.body.traceId, spanId: req.body.spanId }, { liked: req.body.thumb === 'up', comment: req.body.comment });
 */
export function recordFeedback(target: AnswerTarget, feedback: Feedback): boolean {
  try {
    const ref = resolveTarget(target);
    if (ref === undefined) {
      warnOnce(
        'feedback:target',
        "recordFeedback: the target must be { call } (a helper's call handle), { span } or { traceId (32 hex), spanId (16 hex) }; nothing was recorded",
      );
      return false;
    }
    if (!isObject(feedback)) {
      warnOnce(
        'feedback:object',
        'recordFeedback: the feedback must be an object like { liked: true }; nothing was recorded',
      );
      return false;
    }
    const verdict = verdictOf(feedback);
    if (verdict === undefined) {
      warnOnce(
        'feedback:empty',
        'recordFeedback: the feedback has none of liked, disliked, score or comment; nothing was recorded',
      );
      return false;
    }
    const name =
      typeof feedback.name === 'string' && feedback.name !== ''
        ? truncate(feedback.name, 128)
        : USER_FEEDBACK_EVALUATION;
    const attributes: Attributes = { [ATTR_GEN_AI_EVALUATION_NAME]: name };
    if (verdict.score !== undefined) attributes[ATTR_GEN_AI_EVALUATION_SCORE_VALUE] = verdict.score;
    if (verdict.label !== undefined) attributes[ATTR_GEN_AI_EVALUATION_SCORE_LABEL] = verdict.label;
    if (typeof feedback.comment === 'string' && feedback.comment !== '') {
      attributes[ATTR_GEN_AI_EVALUATION_EXPLANATION] = truncate(feedback.comment, genaiSettings().maxContentLength);
    }
    if (ref.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = ref.responseId;
    if (ref.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = ref.model;
    if (feedback.userId !== undefined && feedback.userId !== null)
      attributes[ATTR_USER_ID] = truncate(String(feedback.userId), MAX_PLAIN_STRING_LENGTH);

    otelLogger().emit({
      eventName: EVENT_GEN_AI_EVALUATION_RESULT,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes,
      context: contextOfRef(context.active(), ref),
    });
    countFeedback(name, ref.model, verdict);
    return true;
  } catch (error) {
    errorOnce('feedback:failed', 'recordFeedback failed; nothing was recorded', error);
    return false;
  }
}

function countFeedback(name: string, model: string | undefined, verdict: Verdict): void {
  const attributes: Attributes = { [ATTR_GEN_AI_EVALUATION_NAME]: evaluationNames.admit(name) };
  if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = models.admit(model);
  const instruments = sessionInstruments();
  if (verdict.label === 'liked') instruments.likes.add(1, attributes);
  if (verdict.label === 'disliked') instruments.dislikes.add(1, attributes);
  if (verdict.score !== undefined) instruments.score.record(verdict.score, attributes);
}
