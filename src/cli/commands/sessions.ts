// `genai-otel sessions`: the session table (summarizeSessions) from Jaeger or the local files.
import { SessionAccumulator, type SessionSummary } from '../../sessions/summarize.ts';
import { contextOf, type CommonOptions } from '../command-options.ts';
import { clock, seconds, shortId, table } from '../render/format.ts';
import type { Progress } from '../render/progress.ts';
import { openSource, type Query, type TelemetrySource } from '../telemetry/source.ts';
import { StoreSource, sessionsFromStore } from '../telemetry/store-source.ts';
import { terminalSafeDeep } from '../render/terminal-text.ts';

export interface SessionsOptions extends CommonOptions {
  limit: number;
}

function responseTimes(stats: SessionSummary['assistantResponseSeconds']): string {
  return stats === null ? '–' : `${seconds(stats.avg)} (${seconds(stats.min)}–${seconds(stats.max)})`;
}

/**
 * The session table of `query`, streamed: log records first (feedback may name only the span it judged), then spans
 * trace batch by trace batch. `logs` is how many log records were read.
 *
 * @example
 * const { rows } = await sessionsOf(source, { sinceMillis, untilMillis, limit: 500, every: true }, progress);
 */
export async function sessionsOf(
  source: TelemetrySource,
  query: Query,
  progress: Progress,
): Promise<{ rows: SessionSummary[]; logs: number }> {
  if (source instanceof StoreSource) {
    // A few sessions at a time, through the session index (see sessionsFromStore).
    const rows = [...sessionsFromStore(source, query, progress)].sort((a, b) => a.startMillis - b.startMillis);
    return { rows, logs: source.logCount(query) };
  }
  const sessions = new SessionAccumulator();
  let logs = 0;
  for await (const batch of source.logBatches(query, progress)) {
    logs += batch.length;
    sessions.addLogs(batch);
  }
  for await (const batch of source.spanBatches(query, progress)) sessions.addSpans(batch);
  progress.update('aggregating', undefined, 'sessions');
  const rows = sessions.result();
  progress.done();
  return { rows, logs };
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
  const { rows, logs } = await sessionsOf(source, query, context.progress);
  for (const line of source.notes) context.note(line);
  if (options.json === true) {
    // JSON.stringify(rows, null, 2) row by row: the same text, without a second copy of the whole table in memory.
    if (rows.length === 0) context.out('[]');
    else {
      context.out('[');
      rows.forEach((row, index) =>
        context.out(`  ${JSON.stringify(row, null, 2).replaceAll('\n', '\n  ')}${index < rows.length - 1 ? ',' : ''}`),
      );
      context.out(']');
    }
    return 0;
  }
  context.note(
    `${source.description}: ${rows.length} session${rows.length === 1 ? '' : 's'}${source.kind === 'jaeger' && logs === 0 ? ' (no log records read: likes and dislikes need --logs-file)' : ''}`,
  );
  if (rows.length === 0) return 0;
  const shown = terminalSafeDeep(rows);
  const lines = table(
    [
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
    ],
    shown.map((row) => [
      context.style.bold(shortId(row.sessionId)),
      row.userIds.map(shortId).join(',') || '–',
      clock(row.startMillis),
      { right: seconds(row.durationSeconds) },
      { right: String(row.userMessages) },
      { right: String(row.assistantMessages) },
      { right: row.likes > 0 ? context.style.green(String(row.likes)) : '0' },
      { right: row.dislikes > 0 ? context.style.red(String(row.dislikes)) : '0' },
      responseTimes(row.assistantResponseSeconds),
      { right: seconds(row.userResponseSeconds?.avg) },
      { right: String(row.edited) },
      { right: String(row.retried) },
      { right: String(row.undone) },
    ]),
    '',
  );
  for (const line of lines) context.out(line);
  return 0;
}
