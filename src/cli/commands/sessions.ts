// `genai-otel sessions`: the session table (summarizeSessions) from Jaeger or the local files.
import type { SessionSummary } from '../../sessions/summarize.ts';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { clock, seconds, shortId } from '../render/format.ts';
import { SpooledTable } from '../render/spooled-table.ts';
import type { Progress } from '../render/progress.ts';
import { openSource, type Query, type TelemetrySource } from '../telemetry/source.ts';
import { StoreSource } from '../telemetry/store-source.ts';
import { sessionsFromStore } from '../telemetry/store-sessions.ts';
import { SpillingSessions, type SpillBounds } from '../telemetry/session-spill.ts';
import { terminalSafeDeep } from '../render/terminal-text.ts';

export interface SessionsOptions extends CommonOptions {
  limit: number;
}

function responseTimes(stats: SessionSummary['assistantResponseSeconds']): string {
  return stats === null ? '–' : `${seconds(stats.avg)} (${seconds(stats.min)}–${seconds(stats.max)})`;
}

/**
 * The session table of `query`, oldest session first, as rows to iterate once. The local store computes it in one
 * statement whose rows come one at a time (sessionsFromStore); the other sources stream log records first (feedback
 * may name only the span it judged), then spans trace batch by trace batch, into SpillingSessions (past `bounds`, its
 * parts move to a temporary database). `logs()` is how many log records were read, known once the rows are.
 *
 * @example
 * const { rows } = sessionsOf(source, { sinceMillis, untilMillis, limit: 500, every: true }, progress);
 * for await (const row of rows) console.log(row.sessionId);
 */
export function sessionsOf(
  source: TelemetrySource,
  query: Query,
  progress: Progress,
  bounds?: SpillBounds,
): { rows: AsyncIterable<SessionSummary>; logs: () => number } {
  if (source instanceof StoreSource) {
    return {
      rows: (async function* () {
        yield* sessionsFromStore(source.db, query, progress);
      })(),
      logs: () => source.logCount(query),
    };
  }
  let logs = 0;
  const rows = async function* () {
    const sessions = new SpillingSessions(bounds);
    try {
      for await (const batch of source.logBatches(query, progress)) {
        logs += batch.length;
        sessions.addLogs(batch);
      }
      for await (const batch of source.spanBatches(query, progress)) sessions.addSpans(batch);
      progress.update('aggregating', undefined, 'sessions');
      // The first row of a table moved to disk waits for the grouping of every part: the phase line covers that wait.
      const rows = sessions.rows();
      const first = rows.next();
      progress.done();
      if (first.done !== true) {
        yield first.value;
        yield* rows;
      }
    } finally {
      sessions.close();
    }
  };
  return { rows: rows(), logs: () => logs };
}

/** `genai-otel sessions`; resolves with the exit code. @example process.exitCode = await runSessions({ since: 86_400_000, limit: 500 }); */
export async function runSessions(options: SessionsOptions): Promise<number> {
  const context = contextOf(options);
  const source = await openSource(context.sources);
  const query = {
    sinceMillis: context.sinceMillis,
    untilMillis: context.untilMillis,
    service: options.service,
    limit: options.limit,
    every: true,
  };
  const { rows: sessionRows, logs } = sessionsOf(source, query, context.progress);
  if (options.json === true) {
    // JSON.stringify(rows, null, 2) row by row, each written as the next comes: the same text, never the whole table.
    let pending: string | undefined;
    for await (const row of sessionRows) {
      context.out(pending === undefined ? '[' : `${pending},`);
      pending = `  ${JSON.stringify(row, null, 2).replaceAll('\n', '\n  ')}`;
    }
    if (pending === undefined) context.out('[]');
    else {
      context.out(pending);
      context.out(']');
    }
    for (const line of source.notes) context.note(line);
    return 0;
  }
  // A table's columns are as wide as its widest cell: it is laid out once every row is in (SpooledTable holds them,
  // on disk past a few thousand).
  const layout = new SpooledTable([
    'session',
    'user',
    'started',
    'duration',
    'user msgs',
    'assistant msgs',
    'likes',
    'dislikes',
    'answer time avg (min–max)',
    'user time avg',
    'edited',
    'retried',
    'undone',
  ]);
  try {
    for await (const row of sessionRows) {
      const shown = terminalSafeDeep(row);
      layout.add([
        context.style.bold(shortId(shown.sessionId)),
        shown.userIds.map(shortId).join(',') || '–',
        clock(shown.startMillis),
        { right: seconds(shown.durationSeconds) },
        { right: String(shown.userMessages) },
        { right: String(shown.assistantMessages) },
        { right: shown.likes > 0 ? context.style.green(String(shown.likes)) : '0' },
        { right: shown.dislikes > 0 ? context.style.red(String(shown.dislikes)) : '0' },
        responseTimes(shown.assistantResponseSeconds),
        { right: seconds(shown.userResponseSeconds?.avg) },
        { right: String(shown.edited) },
        { right: String(shown.retried) },
        { right: String(shown.undone) },
      ]);
    }
    for (const line of source.notes) context.note(line);
    context.note(
      `${source.description}: ${layout.count} session${layout.count === 1 ? '' : 's'}${source.kind === 'jaeger' && logs() === 0 ? ' (no log records read: likes and dislikes need --logs-file)' : ''}`,
    );
    if (layout.count === 0) return 0;
    for (const line of layout.lines('')) context.out(line);
  } finally {
    layout.close();
  }
  return 0;
}
