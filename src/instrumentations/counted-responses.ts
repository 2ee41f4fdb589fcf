import type { HrTime } from '@opentelemetry/api';

/** Most response ids remembered at once: a model call's siblings end within moments of it, so recent ones suffice. */
export const COUNTED_RESPONSES_LIMIT = 1024;
/** Longer ids are not remembered (no provider's ids come near; a longer one is not an id). */
const MAX_RESPONSE_ID_LENGTH = 256;
/** Spans of one response remembered per id (real ids are unique; a fake server's repeat theirs). */
const MAX_SPANS_PER_ID = 4;

/**
 * Slack when comparing times of two spans: the SDK anchors the clock of each trace to `Date.now()` (whole
 * milliseconds), and a bridge may give times rounded to the millisecond.
 */
const CLOCK_SLACK_MILLIS = 2;

type Interval = [start: number, end: number];

const millisOf = (time: HrTime): number => time[0] * 1e3 + time[1] / 1e6;

/**
 * The provider response ids of model calls already counted, with when each call's span ran, so that a second span of
 * the same call that is not nested with the first (another library's bridge of an agent framework, whose span runs
 * beside the client's rather than around it) is recognised: same response id, overlapping in time. Bounded: the
 * oldest ids are forgotten past `limit`, a few spans per id at most.
 *
 * @example
 * const counted = new CountedResponses();
 * counted.add('resp_1', span.startTime, span.endTime);
 * counted.overlaps('resp_1', other.startTime, other.endTime); // true when the two spans ran at the same time
 */
export class CountedResponses {
  private readonly byId = new Map<string, Interval[]>();
  private readonly limit: number;
  /**
   * The ids remembered, oldest first from `next`, as a ring: forgetting the oldest through the map's own order
   * (`keys().next()` after each delete) walks past every deleted slot before the map rehashes, about 0.4 µs a call.
   */
  private readonly order: (string | undefined)[] = [];
  private next = 0;

  constructor(limit = COUNTED_RESPONSES_LIMIT) {
    this.limit = limit;
  }

  /** How many response ids are remembered now. */
  get size(): number {
    return this.byId.size;
  }

  add(responseId: string, start: HrTime, end: HrTime): void {
    if (responseId.length > MAX_RESPONSE_ID_LENGTH) return;
    const interval: Interval = [millisOf(start), millisOf(end)];
    const intervals = this.byId.get(responseId);
    if (intervals !== undefined) {
      if (intervals.length >= MAX_SPANS_PER_ID) intervals.shift();
      intervals.push(interval);
      return;
    }
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.byId.delete(oldest);
    this.order[this.next] = responseId;
    this.next = (this.next + 1) % this.limit;
    this.byId.set(responseId, [interval]);
  }

  /** Whether a counted span of `responseId` ran at some moment between `start` and `end`. */
  overlaps(responseId: string, start: HrTime, end: HrTime): boolean {
    const intervals = this.byId.get(responseId);
    if (intervals === undefined) return false;
    const from = millisOf(start);
    const to = millisOf(end);
    return intervals.some(
      ([counterStart, counterEnd]) =>
        counterStart <= to + CLOCK_SLACK_MILLIS && from <= counterEnd + CLOCK_SLACK_MILLIS,
    );
  }
}
