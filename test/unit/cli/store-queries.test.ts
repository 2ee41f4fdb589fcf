// The local store's queries stay indexed and bounded as the store grows: every statement of `traces`, `sessions` and
// `export` reads through an index (EXPLAIN QUERY PLAN: no full scan of a table), `traces` costs the same in a store
// four times larger, and `spanBatches` still hands over each trace once and whole while it forgets the traces it has
// passed. The stores are grown by SQL (bench/grow-store.ts) from a few thousand imported turns.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { growStore } from '../../../bench/grow-store.ts';
import type { Progress } from '../../../src/cli/render/progress.ts';
import { sessionsStatement } from '../../../src/cli/telemetry/store-sessions.ts';
import { LATEST_TRACES_COUNTED, StoreSource } from '../../../src/cli/telemetry/store-source.ts';
import { storePath } from '../../../src/export/store-schema.ts';
import { generatedStores } from '../../support/generated-store.ts';
import { threadMillis } from '../../support/cpu-clock.ts';

const HOUR = 3_600_000;
const silent = { update() {}, done() {} } as unknown as Progress;
let directory: string;
/** About 4,300 spans of 1,000 turns, imported. */
let small: string;
/** The same grown 16 and 64 times (16,000 and 64,000 traces), both past what `traces` counts. */
let large: string;
let larger: string;
const everything = { sinceMillis: 0, untilMillis: Date.now() + 1000 * 24 * HOUR };

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-queries-'));
  small = join(directory, 'small');
  await generatedStores(directory, { turns: 1000, hours: 2, sessions: 100 }, [small]);
  for (const [name, copies] of [
    ['large', 16],
    ['larger', 64],
  ] as const) {
    const folder = join(directory, name);
    mkdirSync(folder);
    copyFileSync(storePath(small), storePath(folder));
    growStore(folder, copies);
  }
  large = join(directory, 'large');
  larger = join(directory, 'larger');
});

after(() => rmSync(directory, { recursive: true, force: true }));

/** The plan's lines: `SCAN x` is a full scan of x, `SEARCH x USING INDEX i (…)` a range or lookup. */
function plan(db: DatabaseSync, sql: string, parameters: unknown[]): string[] {
  return db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...(parameters as (string | bigint)[]))
    .map((row) => String(row.detail));
}

/** Spies on the statements a source prepares, keeping each one's text. */
function preparedBy(source: StoreSource): string[] {
  const texts: string[] = [];
  const prepare = source.db.prepare.bind(source.db);
  source.db.prepare = (sql: string) => {
    texts.push(sql);
    return prepare(sql);
  };
  return texts;
}

/** Asserts that no line of the plan scans one of the store's tables (aliases s, p, l: spans, spans, logs) whole. */
function assertIndexed(lines: string[], what: string): void {
  for (const line of lines)
    assert.doesNotMatch(line, /^SCAN (spans|logs|s|p|l)\b/, `${what}: a full scan\n${lines.join('\n')}`);
}

test('traces, export and sessions read the store through its indexes, never a whole table', async () => {
  const source = StoreSource.open(large)!;
  const texts = preparedBy(source);
  for (const service of [undefined, 'svc-b']) {
    const query = { ...everything, service, limit: 20 };
    texts.length = 0;
    await source.latestTraces(query, silent);
    for (const sql of texts.splice(0)) {
      const lines = plan(source.db, sql, sql.includes('trace_id = ?') ? [Buffer.alloc(16)] : parameters(sql, service));
      assertIndexed(lines, sql);
      assert.ok(
        lines.some((line) => /SEARCH s USING (COVERING )?INDEX (spans_time|spans_service|spans_id) \(/.test(line)),
        `${sql}\n${lines.join('\n')}`,
      );
    }
    texts.length = 0;
    for await (const batch of source.spanBatches({ ...query, every: true }, silent)) assert.ok(batch.length > 0);
    assert.ok(texts.length >= 2, texts.join('\n'));
    for (const sql of texts.splice(0)) assertIndexed(plan(source.db, sql, parameters(sql, service)), sql);

    texts.length = 0;
    const session = await source.latestTraces({ ...query, sessionIds: ['session-7'] }, silent);
    assert.ok(session.traces.length > 0);
    for (const sql of texts.splice(0)) {
      const lines = plan(source.db, sql, parameters(sql, service));
      assertIndexed(lines, sql);
      assert.ok(
        lines.some((line) => /USING INDEX spans_session/.test(line)),
        `${sql}\n${lines.join('\n')}`,
      );
    }

    const sessions = sessionsStatement({ ...everything, service });
    const lines = plan(source.db, sessions.sql, sessions.parameters);
    assertIndexed(lines, 'sessions');
    for (const expected of [
      /^SEARCH s USING INDEX spans_time \(start_ns>\? AND start_ns<\?\)$/,
      /^SEARCH p USING INDEX spans_id \(trace_id=\? AND span_id=\?\)/,
      /^SEARCH l USING INDEX logs_time \(time_ns>\? AND time_ns<\?\)$/,
    ])
      assert.ok(
        lines.some((line) => expected.test(line)),
        `${expected}\n${lines.join('\n')}`,
      );
  }
  source.close();
});

/** Placeholder values for a statement's parameters: nanosecond bounds, the service, trace ids. */
function parameters(sql: string, service: string | undefined): unknown[] {
  const count = (sql.match(/\?/g) ?? []).length;
  return Array.from({ length: count }, (_, index) =>
    service !== undefined && index === 0 && /service = \?/.test(sql)
      ? service
      : sql.includes('IN (?')
        ? Buffer.alloc(16)
        : 0n,
  );
}

test('traces on a store four times larger costs about the same: it counts at most LATEST_TRACES_COUNTED traces', async () => {
  const timed = async (folder: string) => {
    const source = StoreSource.open(folder)!;
    const times: number[] = [];
    let answer: Awaited<ReturnType<StoreSource['latestTraces']>> | undefined;
    for (let round = 0; round < 5; round++) {
      const started = threadMillis();
      answer = await source.latestTraces({ ...everything, limit: 20 }, silent);
      times.push(threadMillis() - started);
    }
    source.close();
    return { time: times.sort((a, b) => a - b)[2]!, answer: answer! };
  };
  const one = await timed(large);
  const four = await timed(larger);
  assert.equal(four.answer.traces.length, 20);
  assert.deepEqual([four.answer.total, four.answer.more], [LATEST_TRACES_COUNTED, true]);
  assert.ok(
    four.time < one.time * 2,
    `${four.time.toFixed(1)} ms on 64,000 traces, ${one.time.toFixed(1)} ms on 16,000`,
  );
  // The newest first, each trace whole.
  const starts = four.answer.traces.map((trace) => Math.min(...trace.map((span) => span.startMillis)));
  assert.deepEqual(
    starts,
    [...starts].sort((a, b) => b - a),
  );
  const small1 = StoreSource.open(small)!;
  const exact = await small1.latestTraces({ ...everything, limit: 5 }, silent);
  assert.deepEqual([exact.total, exact.more], [1000, false]);
  small1.close();
});

test('spanBatches hands over every trace of the window once and whole while it forgets the traces it passed', async () => {
  const source = StoreSource.open(large)!;
  const expected = new Map<string, number>();
  for (const row of source.db
    .prepare('SELECT lower(hex(trace_id)) AS id, count(*) AS n FROM spans WHERE start_ns >= ? GROUP BY trace_id')
    .iterate(BigInt(everything.sinceMillis) * 1_000_000n))
    expected.set(row.id as string, Number(row.n));
  const seen = new Map<string, number>();
  for await (const batch of source.spanBatches({ ...everything, limit: 20, every: true }, silent)) {
    const inBatch = new Map<string, number>();
    for (const span of batch) inBatch.set(span.traceId, (inBatch.get(span.traceId) ?? 0) + 1);
    for (const [id, count] of inBatch) {
      assert.ok(!seen.has(id), `trace ${id} came twice`);
      seen.set(id, count);
    }
  }
  source.close();
  assert.equal(seen.size, expected.size);
  assert.deepEqual(seen, expected);
});
