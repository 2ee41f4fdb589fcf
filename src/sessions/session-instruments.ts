import { metrics, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.ts';
import {
  INSTRUMENTATION_SCOPE,
  METRIC_GENAI_OTEL_DECISIONS,
  METRIC_GENAI_OTEL_FEEDBACK_DISLIKES,
  METRIC_GENAI_OTEL_FEEDBACK_LIKES,
  METRIC_GENAI_OTEL_FEEDBACK_SCORE,
  METRIC_GENAI_OTEL_REVISIONS,
} from '../attributes/names.ts';

/** Scores are thumbs (0/1), stars (1-5) or ratings out of 10: boundaries fine enough for each. */
export const SCORE_BUCKETS = [0, 0.25, 0.5, 0.75, 1, 2, 3, 4, 5, 7.5, 10];

export interface SessionInstruments {
  likes: Counter;
  dislikes: Counter;
  score: Histogram;
  decisions: Counter;
  revisions: Counter;
}

let cache: { provider: MeterProvider; instruments: SessionInstruments } | undefined;

/** Instruments of feedback, decisions and revisions, re-created when a MeterProvider is registered later. */
export function sessionInstruments(): SessionInstruments {
  const provider = metrics.getMeterProvider();
  if (cache !== undefined && cache.provider === provider) return cache.instruments;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE, VERSION);
  const instruments: SessionInstruments = {
    likes: meter.createCounter(METRIC_GENAI_OTEL_FEEDBACK_LIKES, {
      unit: '{feedback}',
      description: 'Answers users liked',
    }),
    dislikes: meter.createCounter(METRIC_GENAI_OTEL_FEEDBACK_DISLIKES, {
      unit: '{feedback}',
      description: 'Answers users disliked',
    }),
    score: meter.createHistogram(METRIC_GENAI_OTEL_FEEDBACK_SCORE, {
      unit: '1',
      description: 'Scores users (or evaluators) gave to answers',
      advice: { explicitBucketBoundaries: SCORE_BUCKETS },
    }),
    decisions: meter.createCounter(METRIC_GENAI_OTEL_DECISIONS, {
      unit: '{decision}',
      description: 'Routing and planning decisions, by decision and choice',
    }),
    revisions: meter.createCounter(METRIC_GENAI_OTEL_REVISIONS, {
      unit: '{revision}',
      description: 'Answers regenerated, edited, undone or cleared, by revision type',
    }),
  };
  cache = { provider, instruments };
  return instruments;
}
