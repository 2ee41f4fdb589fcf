// A table too long to hold: its columns are as wide as their widest cell, known only once every row is in, so the
// rows wait somewhere. The first few thousand wait in memory; past them every row goes to a temporary SQLite database
// (`node:sqlite` on an empty name: a new file in SQLite's temporary folder, 0600, never through a link, unlinked at
// once), and the table is printed from there. A session table of 334,000 rows held about 1 KB per row in memory.
import type { DatabaseSync } from 'node:sqlite';
import { nodeSqlite } from '../../core/loaders.ts';
import { cellText, tableLine, type Cell } from './format.ts';
import { visibleLength } from './style.ts';

/** Rows kept in memory before the table moves to disk. */
export const ROWS_IN_MEMORY = 5_000;

/**
 * A table filled row by row and printed once full, in bounded memory whatever its length.
 *
 * @example
 * const table = new SpooledTable(['model', 'cost']);
 * try {
 *   for (const row of rows) table.add([row.model, { right: usd(row.cost) }]);
 *   for (const line of table.lines()) console.log(line);
 * } finally {
 *   table.close();
 * }
 */
export class SpooledTable {
  private readonly header: string[];
  private readonly rowsInMemory: number;
  private readonly widths: number[];
  private rows: Cell[][] = [];
  private db: DatabaseSync | undefined;
  private insert: ((text: string) => void) | undefined;
  /** Rows added so far. */
  count = 0;

  constructor(header: string[], rowsInMemory = ROWS_IN_MEMORY) {
    this.header = header;
    this.rowsInMemory = rowsInMemory;
    this.widths = header.map(visibleLength);
  }

  add(cells: Cell[]): void {
    for (let column = 0; column < this.widths.length; column++)
      this.widths[column] = Math.max(this.widths[column]!, visibleLength(cellText(cells[column] ?? '')));
    this.count++;
    if (this.insert === undefined && this.rows.length < this.rowsInMemory) {
      this.rows.push(cells);
      return;
    }
    if (this.insert === undefined) {
      const { DatabaseSync } = nodeSqlite();
      const db = (this.db = new DatabaseSync(''));
      db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; CREATE TABLE lines (cells TEXT NOT NULL)');
      const statement = db.prepare('INSERT INTO lines VALUES (?)');
      this.insert = (text) => statement.run(text);
      // One transaction for the whole spool: nobody else reads this database, and a crash deletes it anyway.
      db.exec('BEGIN');
      for (const row of this.rows) this.insert(JSON.stringify(row));
      this.rows = [];
    }
    this.insert(JSON.stringify(cells));
  }

  /** The header and every row, aligned; call once, after the last row. */
  *lines(indent = '  '): Generator<string> {
    yield tableLine(this.header, this.widths, indent);
    if (this.db === undefined) {
      for (const row of this.rows) yield tableLine(row, this.widths, indent);
      return;
    }
    this.db.exec('COMMIT');
    const rows = this.db.prepare('SELECT cells FROM lines ORDER BY rowid').iterate() as Iterable<{ cells: string }>;
    for (const { cells } of rows) yield tableLine(JSON.parse(cells) as Cell[], this.widths, indent);
  }

  /** Frees the rows (SQLite deletes its file). Safe to call twice. */
  close(): void {
    this.rows = [];
    try {
      this.db?.close();
    } catch {
      // Closed already.
    }
    this.db = undefined;
    this.insert = undefined;
  }
}
