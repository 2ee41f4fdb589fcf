// The session table of sources without indexes (the JSON-lines files, Jaeger) in bounded memory. SessionAccumulator
// keeps a record per session and per turn: a week of files (334,000 sessions in 10M spans) held 1.28 GB of them. Past
// a bound, what it holds is moved into a temporary SQLite database as parts: `node:sqlite` opened on an empty name,
// which SQLite creates in its temporary folder (SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp or /tmp) as a new file
// (O_EXCL, never through a link), 0600, and unlinks at once, so nothing is left behind even by a killed process. At
// the end the parts of each session are added up there, oldest session first, and each row is made by the same
// function as in memory (sessionSummaryOf), so the answers are summarizeSessions' whatever the size. Below the bound
// nothing is written anywhere.
import type { DatabaseSync } from 'node:sqlite';
import { nodeSqlite } from '../../core/loaders.ts';
import {
  SessionAccumulator,
  sessionSummaryOf,
  type SessionState,
  type SessionSummary,
  type TelemetryLog,
  type TelemetrySpan,
} from '../../sessions/summarize.ts';

/** How much is held in memory before it moves to disk. */
export interface SpillBounds {
  sessions: number;
  turns: number;
}

/**
 * A few MB held at most. Rows are written about in time order and most sessions are short, so few sessions are cut
 * into several parts: 10M spans of 334,000 sessions moved to disk in 237 spills. Bounds of 50,000 sessions and 500,000
 * turns took the whole command to 570 MB (the heap grows by several times what it holds before a full collection).
 */
export const DEFAULT_SPILL_BOUNDS: SpillBounds = { sessions: 2_000, turns: 20_000 };

const SCHEMA = `
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -4096;
CREATE TABLE parts (session BLOB NOT NULL, start REAL, "end" REAL, likes INTEGER NOT NULL, dislikes INTEGER NOT NULL,
  edited INTEGER NOT NULL, reran INTEGER NOT NULL, undone INTEGER NOT NULL, cleared INTEGER NOT NULL);
CREATE TABLE users (session BLOB NOT NULL, user TEXT NOT NULL);
CREATE TABLE turns (session BLOB NOT NULL, start REAL NOT NULL, "end" REAL NOT NULL, rerun INTEGER NOT NULL);`;

/**
 * A session id as stored: UTF-16 code units, big-endian. The encoding is one-to-one for any JavaScript string (a lone
 * surrogate too), and SQLite's byte order over it is the code-unit order of `<`: the table's order by id, unchanged.
 */
function keyOf(sessionId: string): Uint8Array {
  return Buffer.from(sessionId, 'utf16le').swap16();
}

function idOf(key: Uint8Array): string {
  return Buffer.from(key).swap16().toString('utf16le');
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * SessionAccumulator with a bound on memory: the same calls, and `rows()` instead of `result()`.
 *
 * @example
 * const sessions = new SpillingSessions();
 * try {
 *   sessions.addLogs(logs);
 *   for await (const batch of traceBatches) sessions.addSpans(batch);
 *   for (const row of sessions.rows()) console.log(row.sessionId);
 * } finally {
 *   sessions.close();
 * }
 */
export class SpillingSessions {
  private readonly memory = new SessionAccumulator();
  private db: DatabaseSync | undefined;
  /** How many times what was held moved to disk (the tests read it). */
  spills = 0;

  private readonly bounds: SpillBounds;

  constructor(bounds: SpillBounds = DEFAULT_SPILL_BOUNDS) {
    this.bounds = bounds;
  }

  addLogs(logs: readonly TelemetryLog[]): void {
    this.memory.addLogs(logs);
    this.spillIfFull();
  }

  addSpans(spans: readonly TelemetrySpan[]): void {
    this.memory.addSpans(spans);
    this.spillIfFull();
  }

  private spillIfFull(): void {
    const held = this.memory.held;
    if (held.sessions > this.bounds.sessions || held.turns > this.bounds.turns) this.spill();
  }

  private open(): DatabaseSync {
    if (this.db !== undefined) return this.db;
    const { DatabaseSync } = nodeSqlite();
    this.db = new DatabaseSync('');
    this.db.exec(SCHEMA);
    return this.db;
  }

  private spill(): void {
    const parts = this.memory.drain();
    if (parts.size === 0) return;
    const db = this.open();
    const addPart = db.prepare('INSERT INTO parts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const addUser = db.prepare('INSERT INTO users VALUES (?, ?)');
    const addTurn = db.prepare('INSERT INTO turns VALUES (?, ?, ?, ?)');
    db.exec('BEGIN');
    try {
      for (const [sessionId, part] of parts) {
        const key = keyOf(sessionId);
        const { revisions } = part;
        addPart.run(
          key,
          finiteOrNull(part.startMillis),
          finiteOrNull(part.endMillis),
          part.likes,
          part.dislikes,
          revisions.edited,
          revisions.reran,
          revisions.undone,
          revisions.cleared,
        );
        for (const user of part.userIds) addUser.run(key, user);
        for (const turn of part.turns) addTurn.run(key, turn.start, turn.end, turn.rerun ? 1 : 0);
      }
      db.exec('COMMIT');
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // No transaction left to roll back (SQLite ended it with the error).
      }
      // The usual cause is the temporary folder (full, or not writable): say which folder decides it.
      throw new Error(
        `cannot write the session table's temporary database (SQLite's temporary folder: SQLITE_TMPDIR, else TMPDIR, else /var/tmp, /usr/tmp or /tmp): ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.spills++;
  }

  /**
   * The session table, oldest session first, one row at a time (summarizeSessions' rows). Call once, after every
   * log and span was added.
   */
  *rows(): Generator<SessionSummary> {
    if (this.db === undefined) {
      yield* this.memory.result();
      return;
    }
    this.spill();
    const db = this.db;
    // Built once all is in: cheaper than keeping them up to date through every insert.
    db.exec(
      'CREATE INDEX turns_by_session ON turns (session, start); CREATE INDEX users_by_session ON users (session)',
    );
    const turnsOf = db.prepare('SELECT start, "end", rerun FROM turns WHERE session = ? ORDER BY start, rowid');
    const usersOf = db.prepare('SELECT user FROM users WHERE session = ?');
    // A session without both a start and an end is shown at time 0 (sessionSummaryOf): it sorts there too.
    const sessions = db.prepare(`SELECT session, min(start) AS start, max("end") AS "end", sum(likes) AS likes,
        sum(dislikes) AS dislikes, sum(edited) AS edited, sum(reran) AS reran, sum(undone) AS undone,
        sum(cleared) AS cleared
      FROM parts GROUP BY session
      ORDER BY CASE WHEN min(start) IS NULL OR max("end") IS NULL THEN 0 ELSE min(start) END, session`);
    for (const row of sessions.iterate() as Iterable<Record<string, unknown>>) {
      const key = row.session as Uint8Array;
      const state: SessionState = {
        userIds: new Set((usersOf.all(key) as { user: string }[]).map((user) => user.user)),
        startMillis: (row.start as number | null) ?? Number.POSITIVE_INFINITY,
        endMillis: (row.end as number | null) ?? Number.NEGATIVE_INFINITY,
        revisions: {
          edited: Number(row.edited),
          reran: Number(row.reran),
          undone: Number(row.undone),
          cleared: Number(row.cleared),
        },
        turns: (turnsOf.all(key) as { start: number; end: number; rerun: number }[]).map((turn) => ({
          start: turn.start,
          end: turn.end,
          rerun: turn.rerun === 1,
        })),
        likes: Number(row.likes),
        dislikes: Number(row.dislikes),
      };
      yield sessionSummaryOf(idOf(key), state);
    }
  }

  /** Closes the temporary database (SQLite frees its file), if one was made. Safe to call twice. */
  close(): void {
    try {
      this.db?.close();
    } catch {
      // Closed already.
    }
    this.db = undefined;
  }
}
