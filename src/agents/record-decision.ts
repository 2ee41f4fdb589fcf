import { trace, type Attributes } from '@opentelemetry/api';
import { errorOnce, warnOnce } from '../core/diagnostics.ts';
import {
  ATTR_GENAI_OTEL_DECISION_CHOICES,
  ATTR_GENAI_OTEL_DECISION_NAME,
  ATTR_GENAI_OTEL_DECISION_REASON,
  ATTR_GENAI_OTEL_DECISION_SELECTED,
  EVENT_GENAI_OTEL_DECISION,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, truncate } from '../attributes/safe-values.ts';
import { BoundedValues } from '../sessions/bounded-values.ts';
import { sessionInstruments } from '../sessions/session-instruments.ts';

/**
 * A routing or planning step: which options there were and which was taken.
 *
 * @example
 * const decision: Decision = { name: 'router', choices: ['billing', 'tech', 'sales'], selected: 'tech', reason: 'mentions an error code' };
 */
export interface Decision {
  name: string;
  choices: readonly string[];
  selected: string;
  reason?: string;
}

const MAX_DECISION_NAMES = 100;
const MAX_CHOICES_PER_DECISION = 50;
const decisionNames = new BoundedValues(MAX_DECISION_NAMES);
const choicesByDecision = new Map<string, BoundedValues>();

function countedChoice(name: string, selected: string): string {
  let choices = choicesByDecision.get(name);
  if (choices === undefined) {
    choices = new BoundedValues(MAX_CHOICES_PER_DECISION);
    choicesByDecision.set(name, choices);
  }
  return choices.admit(selected);
}

/**
 * Records a decision as a `genai_otel.decision` event on the active span (name, choices, selected, reason) and counts
 * it in `genai_otel.decisions` by decision and choice. The metric keeps at most 100 decision names and 50 choices per
 * decision; later new values are counted as `_OTHER`. Outside any span only the metric is recorded. Never throws.
 *
 * @example
 * recordDecision({ name: 'router', choices: ['billing', 'tech'], selected: route, reason: classifier.reason });
 */
export function recordDecision(decision: Decision): void {
  try {
    if (
      !isObject(decision) ||
      typeof decision.name !== 'string' ||
      decision.name === '' ||
      typeof decision.selected !== 'string'
    ) {
      warnOnce(
        'decision:shape',
        'recordDecision: expected { name: string, choices: string[], selected: string, reason?: string }; nothing was recorded',
      );
      return;
    }
    const name = truncate(decision.name, MAX_PLAIN_STRING_LENGTH);
    const selected = truncate(decision.selected, MAX_PLAIN_STRING_LENGTH);
    const choices = Array.isArray(decision.choices)
      ? decision.choices
          .filter((choice): choice is string => typeof choice === 'string')
          .slice(0, 1000)
          .map((choice) => truncate(choice, MAX_PLAIN_STRING_LENGTH))
      : [];
    if (choices.length > 0 && !choices.includes(selected)) {
      warnOnce(
        `decision:selected:${name}`,
        `recordDecision: "${selected}" is not one of the choices of decision "${name}"; recorded as given`,
      );
    }
    const span = trace.getActiveSpan();
    if (span !== undefined && span.isRecording()) {
      const attributes: Attributes = {
        [ATTR_GENAI_OTEL_DECISION_NAME]: name,
        [ATTR_GENAI_OTEL_DECISION_CHOICES]: choices,
        [ATTR_GENAI_OTEL_DECISION_SELECTED]: selected,
      };
      if (typeof decision.reason === 'string' && decision.reason !== '')
        attributes[ATTR_GENAI_OTEL_DECISION_REASON] = truncate(decision.reason, MAX_PLAIN_STRING_LENGTH);
      span.addEvent(EVENT_GENAI_OTEL_DECISION, attributes);
    }
    const countedName = decisionNames.admit(name);
    sessionInstruments().decisions.add(1, {
      [ATTR_GENAI_OTEL_DECISION_NAME]: countedName,
      [ATTR_GENAI_OTEL_DECISION_SELECTED]: countedChoice(countedName, selected),
    });
  } catch (error) {
    errorOnce('decision:failed', 'recordDecision failed', error);
  }
}
