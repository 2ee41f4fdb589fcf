// Which embedded database for the local store: node:sqlite (built in) against DuckDB (@duckdb/node-api), on the same
// generated spans. Not part of `npm run bench`: DuckDB is no dependency of ours; install it beside the repository
// first (`npm install --no-save @duckdb/node-api`), then `node bench/store-engines.mjs [spans]`. Prints one JSON line
// per engine: insert rate, file size, query times, RSS, and (sqlite only) 4 processes writing at once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SPANS = Number(process.argv[2] ?? 200_000);
const BATCH = 512;
const DAY = 86_400_000;
const now = Date.now();
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro'];
const hex = (n, width) => n.toString(16).padStart(width, '0');

function row(index) {
  const trace = Math.floor(index / 5);
  const llm = index % 5 === 1 || index % 5 === 4;
  const start = now - 7 * DAY + Math.floor((index / SPANS) * 7 * DAY);
  const model = MODELS[trace % 4];
  const attributes = llm
    ? {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': model,
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 80,
        'session.id': `s${trace % 5000}`,
      }
    : { 'gen_ai.operation.name': 'execute_tool', 'session.id': `s${trace % 5000}` };
  return [
    BigInt(start) * 1_000_000n,
    hex(trace, 32),
    hex(index, 16),
    index % 5 === 0 ? null : hex(trace * 5, 16),
    'svc',
    llm ? `chat ${model}` : 'execute_tool search',
    1,
    index % 97 === 0 ? 2 : 0,
    (index % 1000) / 3,
    llm ? model : null,
    llm ? 'openai' : null,
    String(attributes['gen_ai.operation.name']),
    `s${trace % 5000}`,
    llm ? 120 : null,
    llm ? 80 : null,
    llm ? 0.0012 : null,
    JSON.stringify(attributes),
  ];
}

const COLUMNS =
  'start_ns, trace_id, span_id, parent_span_id, service, name, kind, status_code, duration_ms, model, provider, operation, session_id, input_tokens, output_tokens, cost_usd, attributes';
const TABLE = `CREATE TABLE spans (start_ns BIGINT NOT NULL, trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, parent_span_id VARCHAR, service VARCHAR, name VARCHAR, kind INTEGER, status_code INTEGER, duration_ms DOUBLE, model VARCHAR, provider VARCHAR, operation VARCHAR, session_id VARCHAR, input_tokens BIGINT, output_tokens BIGINT, cost_usd DOUBLE, attributes VARCHAR)`;
const INDEXES = ['start_ns', 'trace_id', 'session_id', 'service', 'model'].map(
  (column) => `CREATE INDEX spans_${column} ON spans (${column})`,
);
const since = BigInt(now - DAY) * 1_000_000n;
const QUERIES = {
  report: `SELECT model, count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd), sum(status_code = 2) FROM spans WHERE start_ns >= ${since} AND model IS NOT NULL GROUP BY model`,
  traces: `SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM spans WHERE parent_span_id IS NULL ORDER BY start_ns DESC LIMIT 20)`,
  sessions: `SELECT session_id, count(*), min(start_ns), max(start_ns), sum(cost_usd) FROM spans WHERE start_ns >= ${since} GROUP BY session_id`,
};

const folderSize = (dir) => readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
const time = (fn) => {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};

async function sqlite(dir) {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(join(dir, 'store.db'));
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000');
  db.exec(TABLE.replaceAll('VARCHAR', 'TEXT').replaceAll('BIGINT', 'INTEGER').replaceAll('DOUBLE', 'REAL'));
  for (const index of INDEXES) db.exec(index);
  const insert = db.prepare(
    `INSERT INTO spans (${COLUMNS}) VALUES (${COLUMNS.split(',')
      .map(() => '?')
      .join(',')})`,
  );
  const started = process.hrtime.bigint();
  let maxBatch = 0;
  for (let i = 0; i < SPANS; i += BATCH) {
    const rows = [];
    for (let j = i; j < Math.min(SPANS, i + BATCH); j++) rows.push(row(j));
    const t = process.hrtime.bigint();
    db.exec('BEGIN');
    for (const r of rows) insert.run(...r);
    db.exec('COMMIT');
    maxBatch = Math.max(maxBatch, Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  const queries = {};
  for (const [name, sql] of Object.entries(QUERIES)) {
    const s = db.prepare(sql);
    s.setReadBigInts(true);
    queries[name] = Math.round(time(() => s.all())[0]);
  }
  db.close();
  return { insertPerSecond: Math.round(SPANS / seconds), slowestBatchMs: Math.round(maxBatch), queries };
}

async function duckdb(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(join(dir, 'store.duckdb'));
  const db = await instance.connect();
  await db.run(TABLE);
  for (const index of INDEXES) await db.run(index);
  const started = process.hrtime.bigint();
  let maxBatch = 0;
  for (let i = 0; i < SPANS; i += BATCH) {
    const t = process.hrtime.bigint();
    const appender = await db.createAppender('spans');
    for (let j = i; j < Math.min(SPANS, i + BATCH); j++) {
      const r = row(j);
      appender.appendBigInt(r[0]);
      for (const v of r.slice(1)) {
        if (v === null) appender.appendNull();
        else if (typeof v === 'string') appender.appendVarchar(v);
        else if (Number.isInteger(v) && [6, 7].includes(r.indexOf(v))) appender.appendInteger(v);
        else if (typeof v === 'number') {
          r.indexOf(v) === 13 || r.indexOf(v) === 14
            ? appender.appendBigInt(BigInt(v))
            : r.indexOf(v) === 6 || r.indexOf(v) === 7
              ? appender.appendInteger(v)
              : appender.appendDouble(v);
        }
      }
      appender.endRow();
    }
    appender.closeSync();
    maxBatch = Math.max(maxBatch, Number(process.hrtime.bigint() - t) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await db.run('CHECKPOINT');
  const queries = {};
  for (const [name, sql] of Object.entries(QUERIES)) {
    const t = process.hrtime.bigint();
    await (await db.run(sql)).getRows();
    queries[name] = Math.round(Number(process.hrtime.bigint() - t) / 1e6);
  }
  // A second process opening the same file for writing while this one holds it:
  const second = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { DuckDBInstance } from '@duckdb/node-api'; try { await DuckDBInstance.create(${JSON.stringify(join(dir, 'store.duckdb'))}); console.log('opened'); } catch (e) { console.log(String(e.message).split('\\n')[0]); }`,
    ],
    { encoding: 'utf8', cwd: process.cwd() },
  );
  db.closeSync();
  return {
    insertPerSecond: Math.round(SPANS / seconds),
    slowestBatchMs: Math.round(maxBatch),
    queries,
    secondWriter: second.stdout.trim(),
  };
}

function fourWriters(dir) {
  const script = `const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(process.argv[1]); db.exec('PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000'); db.exec('CREATE TABLE IF NOT EXISTS t (a INTEGER, b TEXT)'); const s = db.prepare('INSERT INTO t VALUES (?, ?)'); for (let i = 0; i < 200; i++) { db.exec('BEGIN IMMEDIATE'); for (let j = 0; j < 500; j++) s.run(i, 'x'.repeat(200)); db.exec('COMMIT'); }`;
  const path = join(dir, 'four.db');
  spawnSync(process.execPath, [
    '-e',
    "const { DatabaseSync } = require('node:sqlite'); new DatabaseSync(process.argv[1]).exec('PRAGMA journal_mode=WAL; CREATE TABLE t (a INTEGER, b TEXT)')",
    path,
  ]);
  const t = process.hrtime.bigint();
  const children = Array.from({ length: 4 }, () =>
    import('node:child_process').then(
      ({ spawn }) =>
        new Promise((resolve) =>
          spawn(process.execPath, ['--no-warnings', '-e', script, path], { stdio: 'inherit' }).on('exit', resolve),
        ),
    ),
  );
  return Promise.all(children).then(async (codes) => {
    const { DatabaseSync } = await import('node:sqlite');
    const rows = new DatabaseSync(path).prepare('SELECT count(*) AS n FROM t').get().n;
    return {
      codes,
      rows,
      expected: 4 * 200 * 500,
      rowsPerSecond: Math.round(rows / (Number(process.hrtime.bigint() - t) / 1e9)),
    };
  });
}

for (const [name, engine] of [
  ['node:sqlite', sqlite],
  ['duckdb', duckdb],
]) {
  const dir = mkdtempSync(join(tmpdir(), 'store-engines-'));
  try {
    const result = await engine(dir);
    const extra = name === 'node:sqlite' ? { fourWriters: await fourWriters(dir) } : {};
    console.log(
      JSON.stringify({
        engine: name,
        spans: SPANS,
        fileBytes: folderSize(dir),
        rssMB: Math.round(process.memoryUsage().rss / 1e6),
        ...result,
        ...extra,
      }),
    );
  } catch (error) {
    console.log(JSON.stringify({ engine: name, error: String(error) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
