// A large local store grown from a smaller one by SQL, for row S at 10M spans: generating and importing 10M spans
// takes far longer than copying rows. Each copy of the original spans and log records gets fresh trace ids (the
// first byte of each id shifted by the copy's number: a copy's traces never meet another's or the original's) and
// keeps its times, so a day of 1M spans becomes a day of 10M. What each span stores about its ancestry is copied as
// is: it depends only on its own trace, copied whole.
//
//   node bench/grow-store.ts <folder with telemetry.db> <copies in all, e.g. 10>
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';

/** The trace id of a copy: the first byte plus the copy's number (mod 256), the other 15 bytes unchanged. */
const shifted = (column: string, copy: number) => `CASE WHEN ${column} IS NULL THEN NULL ELSE unhex(printf('%02X',
  ((instr('0123456789ABCDEF', substr(hex(${column}), 1, 1)) - 1) * 16
    + instr('0123456789ABCDEF', substr(hex(${column}), 2, 1)) - 1 + ${copy}) % 256) || substr(hex(${column}), 3)) END`;

/**
 * Grows the store of `directory` to `copies` times its spans and log records; resolves with the spans it then holds.
 *
 * @example
 * growStore('/tmp/cli-data', 10, (copy) => console.log(`copy ${copy}`));
 */
export function growStore(directory: string, copies: number, onCopy?: (copy: number) => void): number {
  const db = new DatabaseSync(join(directory, 'telemetry.db'));
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536');
    const spanColumns = db
      .prepare('PRAGMA table_info(spans)')
      .all()
      .map((column) => String(column.name));
    const logColumns = db
      .prepare('PRAGMA table_info(logs)')
      .all()
      .map((column) => String(column.name));
    const lastSpan = Number(db.prepare('SELECT max(rowid) AS n FROM spans').get()!.n ?? 0);
    const lastLog = Number(db.prepare('SELECT max(rowid) AS n FROM logs').get()!.n ?? 0);
    const select = (columns: string[], copy: number) =>
      columns.map((column) => (column === 'trace_id' ? shifted(column, copy) : column)).join(', ');
    for (let copy = 1; copy < copies; copy++) {
      db.exec('BEGIN IMMEDIATE');
      db.exec(
        `INSERT OR IGNORE INTO spans (${spanColumns.join(', ')}) SELECT ${select(spanColumns, copy)} FROM spans WHERE rowid <= ${lastSpan}`,
      );
      db.exec(
        `INSERT INTO logs (${logColumns.join(', ')}) SELECT ${select(logColumns, copy)} FROM logs WHERE rowid <= ${lastLog}`,
      );
      db.exec('COMMIT');
      onCopy?.(copy);
    }
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return Number(db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [directory, copies] = process.argv.slice(2);
  if (directory === undefined) throw new Error('usage: node bench/grow-store.ts <folder> <copies>');
  const started = Date.now();
  const spans = growStore(directory, Number(copies ?? 10), (copy) =>
    console.error(`copy ${copy} written after ${((Date.now() - started) / 1000).toFixed(0)} s`),
  );
  console.log(`${spans} spans in ${directory}/telemetry.db after ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
