// The session table, computed from exported spans and log records alone (no state kept by the application).
// What makes it possible:
//   - every span started inside withContext() carries session.id (and user.id) — ContextSpanProcessor;
//   - an assistant message is a "turn": a GenAI operation span (chat, text_completion, generate_content,
//     invoke_agent, invoke_workflow) with no GenAI operation above it in its trace;
//   - revisions are `answer_revision {type}` spans with genai_otel.revision.type, linked to the first attempt; a turn
//     under a `reran` revision is a regenerated answer, not a new user message;
//   - feedback is a gen_ai.evaluation.result log record carrying the evaluated span's ids (and session.id when it was
//     recorded inside withContext); score.label `liked` / `disliked` counts as a like / dislike.

import {
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GENAI_OTEL_REVISION_TYPE,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '../attributes/names.ts';

/** Nanoseconds since the epoch, as OTLP decoders give them (bigint, number or decimal string). */
export type UnixNanos = bigint | number | string;

/**
 * A span as exported (OTLP, normalized: hex ids, attributes as a plain object).
 *
 * @example
 * const span: TelemetrySpan = { traceId, spanId, name: 'chat gpt-4o', startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: { 'session.id': 's1' } };
 */
export interface TelemetrySpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: UnixNanos;
  endTimeUnixNano: UnixNanos;
  attributes: Record<string, unknown>;
}

/** A log record as exported. */
export interface TelemetryLog {
  traceId?: string;
  spanId?: string;
  eventName?: string;
  timeUnixNano: UnixNanos;
  attributes: Record<string, unknown>;
}

/** Average, shortest and longest of a set of durations, in seconds; null when there is none. */
export interface DurationStats {
  avg: number;
  min: number;
  max: number;
  count: number;
}

/** One row of the session table. Times are milliseconds since the epoch; durations seconds. */
export interface SessionSummary {
  sessionId: string;
  userIds: string[];
  startMillis: number;
  endMillis: number;
  durationSeconds: number;
  userMessages: number;
  assistantMessages: number;
  likes: number;
  dislikes: number;
  /** How long each answer took, from the start of its turn span to its end. */
  assistantResponseSeconds: DurationStats | null;
  /** How long the user took to write again: from the end of one answer to the start of the next turn. */
  userResponseSeconds: DurationStats | null;
  edited: number;
  /** Answers regenerated (`reran` revisions). */
  retried: number;
  undone: number;
  cleared: number;
}

/** Operations whose span is an assistant message when no GenAI operation is above it (the store's SQL uses them too). */
export const TURN_OPERATIONS = new Set([
  'chat',
  'text_completion',
  'generate_content',
  'invoke_agent',
  'invoke_workflow',
]);
/** GenAI operations besides `*_memory` and `*_memory_store`: one above a turn operation makes it a nested call. */
export const GENAI_OPERATIONS = new Set([
  ...TURN_OPERATIONS,
  'execute_tool',
  'create_agent',
  'embeddings',
  'retrieval',
]);
/** Suffixes of the memory operations, GenAI operations too. */
export const MEMORY_OPERATION_SUFFIXES = ['_memory', '_memory_store'];

function millis(value: UnixNanos): number {
  if (typeof value === 'bigint') return Number(value / 1000n) / 1000;
  if (typeof value === 'number') return value / 1e6;
  return /^\d+$/.test(value) ? Number(BigInt(value) / 1000n) / 1000 : Number.NaN;
}

function stats(values: number[]): DurationStats | null {
  if (values.length === 0) return null;
  const sum = values.reduce((total, value) => total + value, 0);
  return {
    avg: sum / values.length,
    min: values.reduce((a, b) => Math.min(a, b)),
    max: values.reduce((a, b) => Math.max(a, b)),
    count: values.length,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isGenAIOperation(span: TelemetrySpan): boolean {
  const operation = text(span.attributes[ATTR_GEN_AI_OPERATION_NAME]);
  return (
    operation !== undefined &&
    (GENAI_OPERATIONS.has(operation) || MEMORY_OPERATION_SUFFIXES.some((suffix) => operation.endsWith(suffix)))
  );
}

/** An assistant message of a session: its turn span's start and end (ms), and whether it answers a `reran` revision. */
export interface SessionTurn {
  start: number;
  end: number;
  rerun: boolean;
}

/**
 * What is kept of a session while spans stream by: sums, counts and one small record per turn. Parts of one session
 * gathered apart (SessionAccumulator.drain) add up to the whole: the smallest start, the largest end, the sums, every
 * user id and every turn in the order they came.
 */
export interface SessionState {
  userIds: Set<string>;
  startMillis: number;
  endMillis: number;
  revisions: { edited: number; reran: number; undone: number; cleared: number };
  turns: SessionTurn[];
  likes: number;
  dislikes: number;
}

const LIKED = 1;
const DISLIKED = 2;

/** What a log record says of the answer it names: LIKED, DISLIKED, or 0 (not feedback, or another label). */
function verdictOf(log: TelemetryLog): number {
  if (log.eventName !== EVENT_GEN_AI_EVALUATION_RESULT) return 0;
  const label = log.attributes[ATTR_GEN_AI_EVALUATION_SCORE_LABEL];
  return label === 'liked' ? LIKED : label === 'disliked' ? DISLIKED : 0;
}

/** A log record's part in its session: its time widens the session, its verdict counts. */
function addMark(state: SessionState, time: number, verdict: number): void {
  if (Number.isFinite(time)) {
    state.startMillis = Math.min(state.startMillis, time);
    state.endMillis = Math.max(state.endMillis, time);
  }
  if (verdict === LIKED) state.likes++;
  else if (verdict === DISLIKED) state.dislikes++;
}

/**
 * The session table computed incrementally, for data too large to hold: add the log records first (feedback given
 * from another process names only the span it judged, which is then recognised as it streams by), then spans in
 * batches of whole traces (a turn is found by walking its parents, which are in its trace). Memory: per session a few
 * numbers and one small record per turn, plus the feedback records still waiting for their span.
 *
 * @example
 * const sessions = new SessionAccumulator();
 * sessions.addLogs(logs);
 * for (const batch of traceBatches) sessions.addSpans(batch);
 * const table = sessions.result();
 */
export class SessionAccumulator {
  private sessions = new Map<string, SessionState>();
  /** Feedback without a session.id, by the span it judged (`traceId/spanId`). */
  /**
   * Log records without a session.id, by the span they name (`traceId/spanId`): of each, only what it adds to a
   * session, as pairs of numbers (its time in ms, then 1 liked, 2 disliked, 0 neither), not the record: a week of
   * feedback from another process waits here until its span is read.
   */
  private readonly waiting = new Map<string, number[]>();
  private turnsHeld = 0;

  /** Sessions and turns held now: what a caller watches to bound memory (see drain). */
  get held(): { sessions: number; turns: number } {
    return { sessions: this.sessions.size, turns: this.turnsHeld };
  }

  /**
   * Hands over the sessions held so far and forgets them: what comes later for the same session starts a new part,
   * and the caller adds the parts up (a session's parts, merged in the order drained, give summarizeSessions' row).
   * Feedback still waiting for its span stays.
   *
   * @example
   * if (sessions.held.turns > 500_000) for (const [id, part] of sessions.drain()) spill(id, part);
   */
  drain(): Map<string, SessionState> {
    const parts = this.sessions;
    this.sessions = new Map();
    this.turnsHeld = 0;
    return parts;
  }

  private state(id: string): SessionState {
    let state = this.sessions.get(id);
    if (state === undefined)
      this.sessions.set(
        id,
        (state = {
          userIds: new Set(),
          startMillis: Number.POSITIVE_INFINITY,
          endMillis: Number.NEGATIVE_INFINITY,
          revisions: { edited: 0, reran: 0, undone: 0, cleared: 0 },
          turns: [],
          likes: 0,
          dislikes: 0,
        }),
      );
    return state;
  }

  /** Log records, before the spans they may refer to. */
  addLogs(logs: readonly TelemetryLog[]): void {
    for (const log of logs) {
      const id = text(log.attributes[ATTR_SESSION_ID]);
      if (id !== undefined) addMark(this.state(id), millis(log.timeUnixNano), verdictOf(log));
      else if (log.traceId !== undefined && log.spanId !== undefined) {
        const key = `${log.traceId}/${log.spanId}`;
        const marks = this.waiting.get(key);
        if (marks === undefined) this.waiting.set(key, [millis(log.timeUnixNano), verdictOf(log)]);
        else marks.push(millis(log.timeUnixNano), verdictOf(log));
      }
    }
  }

  /** Spans of whole traces: a trace split across two calls could miss the parent that makes a span a nested call. */
  addSpans(spans: readonly TelemetrySpan[]): void {
    const byId = new Map<string, TelemetrySpan>();
    for (const span of spans) byId.set(`${span.traceId}/${span.spanId}`, span);
    const parentOf = (span: TelemetrySpan): TelemetrySpan | undefined =>
      span.parentSpanId === undefined || span.parentSpanId === ''
        ? undefined
        : byId.get(`${span.traceId}/${span.parentSpanId}`);
    for (const span of spans) {
      const id = text(span.attributes[ATTR_SESSION_ID]);
      if (id === undefined) continue;
      const state = this.state(id);
      this.addSpan(state, span, parentOf);
      const key = `${span.traceId}/${span.spanId}`;
      const marks = this.waiting.get(key);
      if (marks !== undefined) {
        this.waiting.delete(key);
        for (let index = 0; index < marks.length; index += 2) addMark(state, marks[index]!, marks[index + 1]!);
      }
    }
  }

  private addSpan(
    state: SessionState,
    span: TelemetrySpan,
    parentOf: (span: TelemetrySpan) => TelemetrySpan | undefined,
  ): void {
    const start = millis(span.startTimeUnixNano);
    const end = millis(span.endTimeUnixNano);
    if (Number.isFinite(start)) state.startMillis = Math.min(state.startMillis, start);
    if (Number.isFinite(end)) state.endMillis = Math.max(state.endMillis, end);
    const userId = text(span.attributes[ATTR_USER_ID]);
    if (userId !== undefined) state.userIds.add(userId);
    const revisionType = text(span.attributes[ATTR_GENAI_OTEL_REVISION_TYPE]);
    if (revisionType !== undefined && revisionType in state.revisions)
      state.revisions[revisionType as keyof SessionState['revisions']]++;

    const operation = text(span.attributes[ATTR_GEN_AI_OPERATION_NAME]);
    if (operation === undefined || !TURN_OPERATIONS.has(operation)) return;
    let rerun = false;
    for (let ancestor = parentOf(span); ancestor !== undefined; ancestor = parentOf(ancestor)) {
      if (isGenAIOperation(ancestor)) return;
      if (ancestor.attributes[ATTR_GENAI_OTEL_REVISION_TYPE] === 'reran') rerun = true;
    }
    if (Number.isFinite(start) && Number.isFinite(end)) {
      state.turns.push({ start, end, rerun });
      this.turnsHeld++;
    }
  }

  /** One row per session, oldest first (sessions that began together by id, whatever order the data came in). */
  result(): SessionSummary[] {
    const rows: SessionSummary[] = [];
    for (const [sessionId, state] of this.sessions) rows.push(sessionSummaryOf(sessionId, state));
    return rows.sort(compareSessions);
  }
}

/**
 * Computes the session table (one row per `session.id`) from exported spans and log records: duration, user and
 * assistant message counts, likes and dislikes, assistant and user response times, and how many answers were edited,
 * retried, undone or cleared. Pure: give it what a backend or a file holds, in any order.
 *
 * @example
 * const table = summarizeSessions(receiver.spans(), receiver.logs());
 * console.table(table.map((row) => ({ session: row.sessionId, turns: row.assistantMessages, likes: row.likes })));
 */
export function summarizeSessions(
  spans: readonly TelemetrySpan[],
  logs: readonly TelemetryLog[] = [],
): SessionSummary[] {
  const sessions = new SessionAccumulator();
  sessions.addLogs(logs);
  sessions.addSpans(spans);
  return sessions.result();
}

/** The table's order: oldest session first, sessions that began together by id (UTF-16 code units, as `<` does). */
function compareSessions(a: SessionSummary, b: SessionSummary): number {
  return a.startMillis - b.startMillis || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0);
}

/**
 * The row of one session from all it gathered (every part merged). Sorts `state.turns` in place.
 *
 * @example
 * const row = sessionSummaryOf('s1', { userIds: new Set(['u1']), startMillis: 0, endMillis: 9000, revisions, turns, likes: 1, dislikes: 0 });
 */
export function sessionSummaryOf(sessionId: string, state: SessionState): SessionSummary {
  const turns = state.turns.sort((a, b) => a.start - b.start);
  const userGaps: number[] = [];
  for (let index = 1; index < turns.length; index++) {
    const gap = turns[index]!.start - turns[index - 1]!.end;
    if (gap >= 0) userGaps.push(gap / 1000);
  }
  const { startMillis, endMillis } = state;
  const hasTime = Number.isFinite(startMillis) && Number.isFinite(endMillis);
  return {
    sessionId,
    userIds: [...state.userIds].sort(),
    startMillis: hasTime ? startMillis : 0,
    endMillis: hasTime ? endMillis : 0,
    durationSeconds: hasTime ? (endMillis - startMillis) / 1000 : 0,
    userMessages: turns.filter((turn) => !turn.rerun).length,
    assistantMessages: turns.length,
    likes: state.likes,
    dislikes: state.dislikes,
    assistantResponseSeconds: stats(turns.map((turn) => (turn.end - turn.start) / 1000)),
    userResponseSeconds: stats(userGaps),
    edited: state.revisions.edited,
    retried: state.revisions.reran,
    undone: state.revisions.undone,
    cleared: state.revisions.cleared,
  };
}
