// A store written by an older genai-otel lacks what the commands now read from each span: whether an LLM call is
// among its ancestors (version 2, store-lineage.ts), its user id and revision type as columns (version 3). The CLI
// brings it up to date once, with progress, before reading it.
import type { DatabaseSync } from 'node:sqlite';
import { nodeSqlite } from '../../core/loaders.ts';
import { storeWriterOf } from '../../export/store-lineage.ts';
import { STORE_PRAGMAS, STORE_SCHEMA_VERSION, storeWriterSettings } from '../../export/store-schema.ts';
import { progressOn, type Progress } from '../render/progress.ts';

/** The schema version a store says it has (0 when it does not say). */
export function storeVersion(db: DatabaseSync): number {
  try {
    return Number(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value ?? 0);
  } catch {
    return 0;
  }
}

/**
 * The read-only connection `db` of `path`, or, when the store is of an older version, a new one opened after the store
 * was brought up to date (in one transaction; writers wait for it as for any other).
 *
 * @example
 * const db = upToDate(new DatabaseSync(path, { readOnly: true }), path);
 */
export function upToDate(
  db: DatabaseSync,
  path: string,
  progress: Progress = progressOn(process.stderr),
): DatabaseSync {
  if (storeVersion(db) >= STORE_SCHEMA_VERSION) return db;
  db.close();
  const { DatabaseSync } = nodeSqlite();
  const writable = new DatabaseSync(path);
  try {
    writable.exec('PRAGMA busy_timeout = 10000');
    writable.exec(STORE_PRAGMAS);
    storeWriterOf(writable, storeWriterSettings()).prepare((done, total) =>
      progress.update('writing', total === 0 ? 1 : done / total, `bringing an older store up to date, once`),
    );
    progress.done();
  } finally {
    writable.close();
  }
  const reopened = new DatabaseSync(path, { readOnly: true });
  reopened.exec('PRAGMA busy_timeout = 10000');
  return reopened;
}
