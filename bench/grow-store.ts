// A large local store without importing it: the rows of a store are copied into itself `copies - 1` times by SQL,
// each copy earlier in time by the data's whole time span (and a second: nothing lands in the future), with its own trace, span and session ids, so
// that 1M imported spans become 10M in minutes instead of hours. Parent links stay right: a span id and its children's
// parent id change the same way. The indexes are dropped while rows go in and built again at the end (sorting once
// beats inserting into seven B-trees row by row).
//
//   node bench/grow-store.ts <folder with telemetry.db> [copies=10]
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STORE_INDEXES, storePath } from '../src/export/store-schema.ts';

/** Every index of the store, by name (parsed from STORE_INDEXES, so a new one is dropped and built again too). */
const INDEXES = [...STORE_INDEXES.matchAll(/CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\w+)/g)].map((match) => match[1]!);

/** An id with its first two bytes replaced by the copy's number (`||` gives text: cast back to bytes). */
const copiedId = (column: string, copy: number) =>
  `CASE WHEN length(${column}) > 1 THEN CAST(unhex('${(0xe000 + copy).toString(16)}') || substr(${column}, 3) AS BLOB) ELSE ${column} END`;

/** Span columns holding times (the ancestors' start times of the lineage columns among them): a copy shifts them all. */
const TIME_COLUMNS = new Set(['start_ns', 'end_ns', 'above_first_ns', 'above_last_ns']);

/** The session id of a copy, in its column and in the attributes' JSON alike. */
const copiedSession = (copy: number) => `CASE WHEN session_id IS NULL THEN NULL ELSE session_id || '~${copy}' END`;
const copiedAttributes = (copy: number) =>
  `CASE WHEN session_id IS NULL OR instr(attributes, '"session.id"') = 0 THEN attributes
     ELSE json_set(attributes, '$."session.id"', session_id || '~${copy}') END`;

/**
 * Grows the store of `directory` to `copies` times its rows; resolves with the span count after.
 *
 * @example
 * growStore('/tmp/bench/store', 10); // 1M spans become 10M
 */
export function growStore(directory: string, copies: number, log: (line: string) => void = () => {}): number {
  if (!Number.isInteger(copies) || copies < 1 || copies > 0x1fff) throw new Error(`copies: 1 to 8191, not ${copies}`);
  const db = new DatabaseSync(storePath(directory));
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144');
    const ends = db.prepare('SELECT min(start_ns) AS first, max(end_ns) AS last FROM spans');
    ends.setReadBigInts(true);
    const { first, last } = ends.get() as { first: bigint | null; last: bigint | null };
    if (first === null || last === null) throw new Error(`${directory}: the store holds no span`);
    const shift = last - first + 1_000_000_000n;
    const original = db.prepare('SELECT max(rowid) AS n FROM spans').get()!.n as number;
    const originalLogs = (db.prepare('SELECT max(rowid) AS n FROM logs').get()!.n as number | null) ?? 0;
    // Every column as the store has it (the lineage columns of store-lineage.ts included): a column left out of the
    // copy would read NULL, and the report would count those spans differently.
    const columnsOf = (table: string) =>
      db
        .prepare(`PRAGMA table_info(${table})`)
        .all()
        .map((column) => String(column.name));
    const spanColumns = columnsOf('spans');
    const logColumns = columnsOf('logs');
    for (const index of INDEXES) db.exec(`DROP INDEX IF EXISTS ${index}`);
    const spanValues = (copy: number) =>
      spanColumns
        .map((column) => {
          if (TIME_COLUMNS.has(column)) return `${column} - ${shift * BigInt(copy)}`;
          if (column === 'trace_id' || column === 'span_id' || column === 'parent_span_id')
            return copiedId(column, copy);
          if (column === 'session_id') return copiedSession(copy);
          if (column === 'attributes') return copiedAttributes(copy);
          return column;
        })
        .join(', ');
    const logValues = (copy: number) =>
      logColumns
        .map((column) => {
          if (column === 'time_ns') return `${column} - ${shift * BigInt(copy)}`;
          if (column === 'trace_id' || column === 'span_id') return copiedId(column, copy);
          if (column === 'session_id') return copiedSession(copy);
          if (column === 'attributes') return copiedAttributes(copy);
          return column;
        })
        .join(', ');
    for (let copy = 1; copy < copies; copy++) {
      const started = Date.now();
      db.exec('BEGIN');
      db.exec(
        `INSERT INTO spans (${spanColumns.join(', ')}) SELECT ${spanValues(copy)} FROM spans WHERE rowid <= ${original} ORDER BY rowid`,
      );
      db.exec(
        `INSERT INTO logs (${logColumns.join(', ')}) SELECT ${logValues(copy)} FROM logs WHERE rowid <= ${originalLogs} ORDER BY rowid`,
      );
      db.exec('COMMIT');
      log(`copy ${copy} of ${copies - 1}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const started = Date.now();
    db.exec(STORE_INDEXES);
    log(`indexes built again in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return Number(db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
  } finally {
    db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [directory, copies = '10'] = process.argv.slice(2);
  if (directory === undefined) {
    process.stderr.write('usage: node bench/grow-store.ts <folder with telemetry.db> [copies=10]\n');
    process.exit(2);
  }
  const spans = growStore(directory, Number(copies), (line) => process.stderr.write(`${line}\n`));
  process.stderr.write(`${join(directory, 'telemetry.db')}: ${spans} spans\n`);
}
