// Stores written by earlier versions are brought up to date when the CLI opens them: version 1 (no lineage columns)
// and version 2 (no session fact columns) get the columns of version 3 filled from each span's attributes, and then
// answer `sessions` exactly as a store written by this version does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { generatedStores } from '../../support/generated-store.ts';
import { StoreSource } from '../../../src/cli/telemetry/store-source.ts';
import { sessionsFromStore } from '../../../src/cli/telemetry/store-sessions.ts';
import { STORE_SCHEMA_VERSION, storePath } from '../../../src/export/store-schema.ts';
import type { SessionSummary } from '../../../src/sessions/summarize.ts';

const HOUR = 3_600_000;
/** Version 2's layout: the session fact columns dropped. */
const TO_VERSION_2 = `ALTER TABLE spans DROP COLUMN user_id;
  ALTER TABLE spans DROP COLUMN revision_type;
  UPDATE meta SET value = '2' WHERE key = 'schema_version';`;
/** Version 1's layout: no lineage columns either. */
const TO_VERSION_1 = `DROP INDEX spans_unplaced;
  ALTER TABLE spans DROP COLUMN llm_above;
  ALTER TABLE spans DROP COLUMN above_first_ns;
  ALTER TABLE spans DROP COLUMN above_last_ns;
  ${TO_VERSION_2.replace("'2'", "'1'")}`;

function sessionsOf(folder: string, window: { sinceMillis: number; untilMillis: number }): SessionSummary[] {
  const source = StoreSource.open(folder)!;
  try {
    return [...sessionsFromStore(source.db, window)];
  } finally {
    source.close();
  }
}

function facts(folder: string): unknown[] {
  const db = new DatabaseSync(storePath(folder), { readOnly: true });
  try {
    return db
      .prepare('SELECT user_id, revision_type, llm_above FROM spans ORDER BY trace_id, span_id')
      .all()
      .map((row) => ({ ...row }));
  } finally {
    db.close();
  }
}

test('stores of versions 1 and 2 are brought up to version 3 on open and answer sessions as a new store does', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-upgrade-'));
  const folders = ['new', 'v2', 'v1'].map((name) => join(directory, name));
  const { now } = await generatedStores(directory, { turns: 3000, hours: 3, sessions: 300 }, folders);
  for (const [folder, downgrade] of [
    [folders[1]!, TO_VERSION_2],
    [folders[2]!, TO_VERSION_1],
  ] as const) {
    const db = new DatabaseSync(storePath(folder));
    db.exec(downgrade);
    db.close();
  }
  const window = { sinceMillis: now - 4 * HOUR, untilMillis: now };
  const expected = sessionsOf(folders[0]!, window);
  assert.ok(expected.some((row) => row.userIds.length > 0 && row.retried > 0 && row.edited > 0));
  const expectedFacts = facts(folders[0]!);
  assert.ok(expectedFacts.some((row) => (row as { revision_type: unknown }).revision_type === 'reran'));
  for (const folder of folders.slice(1)) {
    assert.deepEqual(sessionsOf(folder, window), expected, folder);
    assert.deepEqual(facts(folder), expectedFacts, folder);
    const db = new DatabaseSync(storePath(folder), { readOnly: true });
    assert.equal(
      db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()!.value,
      String(STORE_SCHEMA_VERSION),
    );
    db.close();
  }
  rmSync(directory, { recursive: true });
});
