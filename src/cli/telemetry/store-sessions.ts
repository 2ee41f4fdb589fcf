// The session table of the local store as one SQL statement: the database groups the window's spans by session over
// an index (the user id and revision type are columns, written with each span: no span's JSON is parsed), finds the
// turns by walking each candidate's parents through the (trace id, span id) index (a root is a turn at once), and
// adds the feedback records; the rows come out one at a time, oldest session first. Nothing of the window is held in memory
// here: SQLite's sorter and temporary tables spill to disk past their cache. The answers are summarizeSessions'
// (test/unit/cli/store-reference.test.ts checks them against it).
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ATTR_GEN_AI_EVALUATION_SCORE_LABEL, EVENT_GEN_AI_EVALUATION_RESULT } from '../../attributes/names.ts';
import {
  GENAI_OPERATIONS,
  MEMORY_OPERATION_SUFFIXES,
  TURN_OPERATIONS,
  type DurationStats,
  type SessionSummary,
} from '../../sessions/summarize.ts';
import type { Progress } from '../render/progress.ts';
import { windowFilter, windowNanos, type Query } from './store-source.ts';

/** A SQL string literal (the constants below hold no quote, but a literal is quoted all the same). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const list = (values: Iterable<string>) => [...values].map(literal).join(', ');
/** `attributes ->> '$."name"'`, looked up only when the text holds the name (a byte search is cheaper than parsing). */
const attribute = (alias: string, name: string) =>
  `CASE WHEN instr(${alias}.attributes, ${literal(`"${name}"`)}) > 0 THEN ${alias}.attributes ->> ${literal(`$."${name}"`)} END`;

/** Whether the span `p` is a GenAI operation (summarize.ts's isGenAIOperation); 0 or 1, never NULL. */
const isGenAI = (alias: string) =>
  `coalesce(${alias}.operation IN (${list(GENAI_OPERATIONS)}) OR ${MEMORY_OPERATION_SUFFIXES.map(
    (suffix) => `substr(${alias}.operation, -${suffix.length}) = ${literal(suffix)}`,
  ).join(' OR ')}, 0)`;

/** Parent links followed at most: a cycle (a span its own ancestor) ends there instead of looping. */
const MAX_DEPTH = 64;

/**
 * The statement of the session table of `query` and its parameters. The spans are read through the time index as a
 * range: the rows lie in the table in about the order they were written, so reading them by time and sorting by
 * session (SQLite's sorter, spilling to disk) beat walking the session index, which jumps across the table (0.9 s
 * against 1.7 s on 1M spans).
 *
 * @example
 * const { sql, parameters } = sessionsStatement({ sinceMillis: 0, untilMillis: Date.now() });
 */
export function sessionsStatement(query: Pick<Query, 'sinceMillis' | 'untilMillis' | 'service'>): {
  sql: string;
  parameters: (bigint | string)[];
} {
  const window = windowFilter(query, 's');
  const { since, until } = windowNanos(query);
  const serviceTraces = 'SELECT trace_id FROM spans WHERE service = ? AND start_ns BETWEEN ? AND ?';
  const inServiceTrace = (alias: string) =>
    query.service === undefined ? '' : ` AND ${alias}.trace_id IN (${serviceTraces})`;
  const serviceParameters = query.service === undefined ? [] : [query.service, since, until];
  const logService = query.service === undefined ? '' : ' AND l.service = ?';
  const logServiceParameters = query.service === undefined ? [] : [query.service];
  const label = attribute('f', ATTR_GEN_AI_EVALUATION_SCORE_LABEL);
  const evaluation = `f.event_name = ${literal(EVENT_GEN_AI_EVALUATION_RESULT)}`;
  const sql = `WITH RECURSIVE
  chain(session_id, start_ns, end_ns, trace_id, parent, rerun, blocked, final, depth) AS (
    SELECT s.session_id, s.start_ns, s.end_ns, s.trace_id, p.parent_span_id, coalesce(p.revision_type = 'reran', 0),
           p.rowid IS NOT NULL AND ${isGenAI('p')}, p.rowid IS NULL OR ${isGenAI('p')} OR 1 >= ${MAX_DEPTH}, 1
      FROM spans s INDEXED BY spans_time
      LEFT JOIN spans p ON p.trace_id = s.trace_id AND p.span_id = s.parent_span_id AND p.start_ns BETWEEN ? AND ?
     WHERE s.session_id > '' AND ${window.sql} AND s.operation IN (${list(TURN_OPERATIONS)})
    UNION ALL
    SELECT c.session_id, c.start_ns, c.end_ns, c.trace_id, p.parent_span_id,
           c.rerun OR coalesce(p.revision_type = 'reran', 0),
           p.rowid IS NOT NULL AND ${isGenAI('p')},
           p.rowid IS NULL OR ${isGenAI('p')} OR c.depth >= ${MAX_DEPTH}, c.depth + 1
      FROM chain c LEFT JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent AND p.start_ns BETWEEN ? AND ?
     WHERE c.final = 0
  ),
  turns AS (
    SELECT session_id, rerun, (end_ms - start_ms) / 1000 AS answer_s,
           (start_ms - lag(end_ms) OVER (PARTITION BY session_id ORDER BY start_ms, end_ms)) / 1000 AS gap_s
      FROM (SELECT session_id, rerun, start_ns / 1000 / 1000.0 AS start_ms, end_ns / 1000 / 1000.0 AS end_ms
              FROM chain WHERE final = 1 AND blocked = 0)
  ),
  turn_stats AS (
    SELECT session_id, count(*) AS turns, sum(rerun = 0) AS user_messages,
           sum(answer_s) AS answer_sum, min(answer_s) AS answer_min, max(answer_s) AS answer_max,
           count(gap_s) FILTER (WHERE gap_s >= 0) AS gap_count, sum(gap_s) FILTER (WHERE gap_s >= 0) AS gap_sum,
           min(gap_s) FILTER (WHERE gap_s >= 0) AS gap_min, max(gap_s) FILTER (WHERE gap_s >= 0) AS gap_max
      FROM turns GROUP BY session_id
  ),
  span_stats AS (
    SELECT session_id, min(start_ns) AS first_ns, max(end_ns) AS last_ns,
           json_group_array(DISTINCT user_id) FILTER (WHERE user_id > '') AS users,
           sum(revision = 'edited') AS edited, sum(revision = 'reran') AS reran,
           sum(revision = 'undone') AS undone, sum(revision = 'cleared') AS cleared
      FROM (SELECT s.session_id, s.start_ns, s.end_ns, s.user_id, s.revision_type AS revision
              FROM spans s INDEXED BY spans_time
             WHERE s.session_id > '' AND ${window.sql})
     GROUP BY session_id
  ),
  feedback AS (
    SELECT l.session_id, l.time_ns, l.event_name, l.attributes FROM logs l
     WHERE l.time_ns BETWEEN ? AND ?${logService} AND l.session_id > ''
    UNION ALL
    SELECT p.session_id, l.time_ns, l.event_name, l.attributes
      FROM logs l JOIN spans p ON p.trace_id = l.trace_id AND p.span_id = l.span_id
     WHERE l.time_ns BETWEEN ? AND ?${logService} AND coalesce(l.session_id, '') = ''
       AND p.session_id > '' AND p.start_ns BETWEEN ? AND ?${inServiceTrace('p')}
  ),
  log_stats AS (
    SELECT f.session_id, min(f.time_ns) AS first_ns, max(f.time_ns) AS last_ns,
           sum(${evaluation} AND ${label} = 'liked') AS likes, sum(${evaluation} AND ${label} = 'disliked') AS dislikes
      FROM feedback f GROUP BY f.session_id
  ),
  sessions AS (
    SELECT session_id, min(first_ns) AS first_ns, max(last_ns) AS last_ns, max(users) AS users, sum(edited) AS edited,
           sum(reran) AS reran, sum(undone) AS undone, sum(cleared) AS cleared, sum(likes) AS likes,
           sum(dislikes) AS dislikes
      FROM (SELECT session_id, first_ns, last_ns, users, edited, reran, undone, cleared, NULL AS likes, NULL AS dislikes
              FROM span_stats
            UNION ALL
            SELECT session_id, first_ns, last_ns, NULL, NULL, NULL, NULL, NULL, likes, dislikes FROM log_stats)
     GROUP BY session_id
  )
SELECT x.session_id, CAST(x.first_ns / 1000 AS TEXT) AS first_us, CAST(x.last_ns / 1000 AS TEXT) AS last_us,
       x.users, x.edited, x.reran, x.undone, x.cleared, x.likes, x.dislikes, t.turns, t.user_messages,
       t.answer_sum, t.answer_min, t.answer_max, t.gap_count, t.gap_sum, t.gap_min, t.gap_max
  FROM sessions x LEFT JOIN turn_stats t ON t.session_id = x.session_id
 ORDER BY x.first_ns / 1000, x.session_id`;
  const parameters = [
    since,
    until,
    ...window.parameters,
    since,
    until,
    ...window.parameters,
    since,
    until,
    ...logServiceParameters,
    since,
    until,
    ...logServiceParameters,
    since,
    until,
    ...serviceParameters,
  ];
  return { sql, parameters };
}

/** Microseconds (as the statement gives them) as summarizeSessions' milliseconds, with its rounding. */
const millisOf = (micros: unknown) => Number(micros) / 1000;

function stats(count: unknown, sum: unknown, min: unknown, max: unknown): DurationStats | null {
  const n = Number(count ?? 0);
  if (n === 0) return null;
  return { avg: Number(sum) / n, min: Number(min), max: Number(max), count: n };
}

function userIdsOf(users: unknown): string[] {
  if (typeof users !== 'string') return [];
  const parsed = JSON.parse(users) as unknown;
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string').sort() : [];
}

/** One row of the statement as a row of the session table. */
function summaryOf(row: Record<string, unknown>): SessionSummary {
  const startMillis = millisOf(row.first_us);
  const endMillis = millisOf(row.last_us);
  const turns = Number(row.turns ?? 0);
  return {
    sessionId: row.session_id as string,
    userIds: userIdsOf(row.users),
    startMillis,
    endMillis,
    durationSeconds: (endMillis - startMillis) / 1000,
    userMessages: Number(row.user_messages ?? 0),
    assistantMessages: turns,
    likes: Number(row.likes ?? 0),
    dislikes: Number(row.dislikes ?? 0),
    assistantResponseSeconds: stats(turns, row.answer_sum, row.answer_min, row.answer_max),
    userResponseSeconds: stats(row.gap_count, row.gap_sum, row.gap_min, row.gap_max),
    edited: Number(row.edited ?? 0),
    retried: Number(row.reran ?? 0),
    undone: Number(row.undone ?? 0),
    cleared: Number(row.cleared ?? 0),
  };
}

/**
 * The session table of a window, oldest session first, streamed from one statement (see sessionsStatement): memory
 * holds one row at a time, whatever the number of spans or sessions.
 *
 * @example
 * for (const row of sessionsFromStore(store.db, { sinceMillis, untilMillis: Date.now() })) console.log(row.sessionId);
 */
export function* sessionsFromStore(
  db: DatabaseSync,
  query: Pick<Query, 'sinceMillis' | 'untilMillis' | 'service'>,
  progress?: Progress,
): Generator<SessionSummary> {
  const { sql, parameters } = sessionsStatement(query);
  progress?.update('querying', undefined, 'sessions');
  const statement: StatementSync = db.prepare(sql);
  let count = 0;
  for (const row of statement.iterate(...parameters)) {
    if (++count % 10_000 === 0) progress?.update('writing', undefined, `${count.toLocaleString('en-US')} sessions`);
    yield summaryOf(row);
  }
  progress?.done();
}
