// Whether an LLM call is nested in another is decided when spans are written (store-lineage.ts), and spans arrive in
// any order: children before their parents, a parent in a later batch or from another process, a parent that never
// comes. Whatever the order, the store's report must count the calls reportFromSpans counts over the same spans; and a
// store of schema version 1 is brought up to date on open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { importFiles } from '../../../src/cli/commands/import.ts';
import { StoreSource } from '../../../src/cli/telemetry/store-source.ts';
import { reportFromStore } from '../../../src/cli/report/from-store.ts';
import { reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import { spansOf, type CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';
import { storePath } from '../../../src/export/store-schema.ts';
import { random } from '../../support/store-data.ts';

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 0, 1, 12);

type Span = { traceId: string; spanId: string; parentSpanId?: string; startMillis: number; operation?: string } & {
  duplicate?: boolean;
  cost?: number;
};

/** One OTLP/JSON line of spans. */
function line(spans: readonly Span[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'lineage-test' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.operation ?? 'work',
              kind: 1,
              startTimeUnixNano: (BigInt(span.startMillis) * 1_000_000n).toString(),
              endTimeUnixNano: (BigInt(span.startMillis + 10) * 1_000_000n).toString(),
              attributes: [
                ...(span.operation === undefined
                  ? []
                  : [{ key: 'gen_ai.operation.name', value: { stringValue: span.operation } }]),
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                { key: 'genai_otel.cost.usd', value: { doubleValue: span.cost ?? 1 } },
                ...(span.duplicate === true ? [{ key: 'genai_otel.call.duplicate', value: { boolValue: true } }] : []),
              ],
            })),
          },
        ],
      },
    ],
  });
}

const id = (value: number, width: number) => value.toString(16).padStart(width, '0');

/** Writes each batch with `genai-otel import`'s code (a connection of its own, as another process would). */
async function writeBatches(directory: string, batches: readonly (readonly Span[])[]): Promise<void> {
  for (const [index, batch] of batches.entries()) {
    const file = join(directory, `batch-${index}.jsonl`);
    writeFileSync(file, `${line(batch)}\n`);
    await importFiles([file], join(directory, 'store'));
  }
}

function storeReport(directory: string, window: { sinceMillis: number; untilMillis: number }) {
  const source = StoreSource.open(join(directory, 'store'))!;
  try {
    return reportFromStore(source.db, { source: 'store', ...window });
  } finally {
    source.close();
  }
}

function referenceReport(spans: readonly Span[], window: { sinceMillis: number; untilMillis: number }) {
  const all: CliSpan[] = spansOf(JSON.parse(line(spans)));
  const inWindow = all.filter(
    (span) => span.startMillis >= window.sinceMillis && span.startMillis <= window.untilMillis,
  );
  return reportFromSpans(inWindow, [], { source: 'reference', ...window });
}

// agent (root) → helper chat → HTTP → client chat: one call, the helper's. The client's call ends first.
const trace = id(1, 32);
const agent: Span = { traceId: trace, spanId: id(1, 16), startMillis: BASE, operation: 'invoke_agent' };
const helper: Span = {
  traceId: trace,
  spanId: id(2, 16),
  parentSpanId: agent.spanId,
  startMillis: BASE + 1,
  operation: 'chat',
};
const http: Span = { traceId: trace, spanId: id(3, 16), parentSpanId: helper.spanId, startMillis: BASE + 2 };
const client: Span = {
  traceId: trace,
  spanId: id(4, 16),
  parentSpanId: http.spanId,
  startMillis: BASE + 3,
  operation: 'chat',
};
const DAY_WINDOW = { sinceMillis: BASE - MINUTE, untilMillis: BASE + MINUTE };

test('a call written before its parents, each in a batch of its own, is counted once when they come', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  await writeBatches(directory, [[client], [http], [helper], [agent]]);
  const report = storeReport(directory, DAY_WINDOW);
  assert.equal(report.requests, 1);
  assert.equal(report.costUsd, 1);
  rmSync(directory, { recursive: true });
});

test('children in one batch before their parents, and a grandparent call from another process', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  // The client and the HTTP span first, in this process; the helper call and the agent later, from another process.
  await writeBatches(directory, [[client, http]]);
  const later = join(directory, 'later.jsonl');
  writeFileSync(later, `${line([agent, helper])}\n`);
  const script = `import { importFiles } from ${JSON.stringify(new URL('../../../src/cli/commands/import.ts', import.meta.url).href)};
await importFiles([${JSON.stringify(later)}], ${JSON.stringify(join(directory, 'store'))});`;
  const child = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(storeReport(directory, DAY_WINDOW).requests, 1);
  rmSync(directory, { recursive: true });
});

test('a call whose parent never comes counts as a top-level call, and its own nested call does not', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  // The agent and the HTTP span are lost: the helper's parent is missing, the client's parent too.
  await writeBatches(directory, [[client], [helper]]);
  const report = storeReport(directory, DAY_WINDOW);
  const expected = referenceReport([client, helper], DAY_WINDOW);
  assert.equal(expected.requests, 2);
  assert.equal(report.requests, expected.requests);
  // Once the HTTP span comes, the client's call is inside the helper's.
  await writeBatches(directory, [[http]]);
  assert.equal(storeReport(directory, DAY_WINDOW).requests, 1);
  rmSync(directory, { recursive: true });
});

test('a window that holds the call but not its outer call counts it, as the in-memory report does', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  const outer: Span = { ...helper, startMillis: BASE - 10 * MINUTE };
  const inner: Span = { ...client, parentSpanId: outer.spanId, startMillis: BASE };
  await writeBatches(directory, [[inner], [outer]]);
  for (const window of [DAY_WINDOW, { sinceMillis: BASE - 20 * MINUTE, untilMillis: BASE + MINUTE }]) {
    const expected = referenceReport([outer, inner], window);
    assert.equal(storeReport(directory, window).requests, expected.requests, JSON.stringify(window));
  }
  assert.equal(storeReport(directory, DAY_WINDOW).requests, 1);
  rmSync(directory, { recursive: true });
});

test('random trees written shuffled, in random batches, some clocks behind: the store counts what the in-memory report counts', async () => {
  const next = random(23);
  const spans: Span[] = [];
  const operations = ['chat', 'chat', 'embeddings', 'invoke_agent', 'execute_tool', undefined];
  for (let index = 0; index < 300; index++) {
    const traceId = id(1000 + index, 32);
    const made: Span[] = [];
    const size = 1 + Math.floor(next() * 12);
    for (let number = 0; number < size; number++) {
      const parent = number === 0 ? undefined : made[Math.floor(next() * made.length)]!;
      made.push({
        traceId,
        spanId: id(index * 100 + number + 1, 16),
        parentSpanId: parent?.spanId ?? (next() < 0.05 ? id(999_999, 16) : undefined),
        // Mostly after the parent; sometimes before it (clocks of two processes), so that a batch in start order
        // still has children before parents.
        startMillis:
          (parent?.startMillis ?? BASE + Math.floor(next() * 120) * MINUTE) +
          Math.floor(next() * 5000) -
          (next() < 0.15 ? 6000 : 0),
        operation: operations[Math.floor(next() * operations.length)],
        duplicate: next() < 0.1,
        cost: 1 + Math.floor(next() * 5),
      });
    }
    // A lost span: its children wait for a parent that never comes.
    if (made.length > 3 && next() < 0.2) made.splice(1 + Math.floor(next() * (made.length - 1)), 1);
    spans.push(...made);
  }
  const shuffled = spans.slice();
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  const batches: Span[][] = [];
  for (let start = 0; start < shuffled.length;) {
    const size = 1 + Math.floor(next() * 200);
    batches.push(shuffled.slice(start, start + size));
    start += size;
  }
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  await writeBatches(directory, batches);
  const windows = [
    { sinceMillis: BASE - MINUTE, untilMillis: BASE + 3 * 60 * MINUTE },
    { sinceMillis: BASE + 30 * MINUTE, untilMillis: BASE + 60 * MINUTE },
    { sinceMillis: BASE + 7 * MINUTE + 1234, untilMillis: BASE + 95 * MINUTE + 77 },
  ];
  for (const window of windows) {
    const expected = referenceReport(spans, window);
    const actual = storeReport(directory, window);
    assert.ok(expected.requests > 20, String(expected.requests));
    assert.deepEqual(
      { requests: actual.requests, costUsd: actual.costUsd, byHour: actual.byHour },
      { requests: expected.requests, costUsd: expected.costUsd, byHour: expected.byHour },
      JSON.stringify(window),
    );
  }
  rmSync(directory, { recursive: true });
});

test('a store of schema version 1 is brought up to date on open: its spans are placed once', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  await writeBatches(directory, [[client, http, helper, agent]]);
  // Back to version 1's layout: no lineage columns.
  const path = storePath(join(directory, 'store'));
  const db = new DatabaseSync(path);
  db.exec(`DROP INDEX spans_unplaced;
    ALTER TABLE spans DROP COLUMN llm_above;
    ALTER TABLE spans DROP COLUMN above_first_ns;
    ALTER TABLE spans DROP COLUMN above_last_ns;
    ALTER TABLE spans DROP COLUMN user_id;
    ALTER TABLE spans DROP COLUMN revision_type;
    UPDATE meta SET value = '1' WHERE key = 'schema_version';`);
  db.close();
  assert.equal(storeReport(directory, DAY_WINDOW).requests, 1);
  const upgraded = new DatabaseSync(path, { readOnly: true });
  assert.equal(upgraded.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()!.value, '3');
  assert.deepEqual(
    upgraded
      .prepare('SELECT llm_above FROM spans ORDER BY start_ns')
      .all()
      .map((row) => row.llm_above),
    [0, 0, 1, 1],
  );
  upgraded.close();
  // Importing into a version 1 store brings it up to date as well.
  const other = mkdtempSync(join(tmpdir(), 'genai-otel-lineage-'));
  await writeBatches(other, [[client, http]]);
  const old = new DatabaseSync(storePath(join(other, 'store')));
  old.exec(`DROP INDEX spans_unplaced;
    ALTER TABLE spans DROP COLUMN llm_above;
    ALTER TABLE spans DROP COLUMN user_id;
    UPDATE meta SET value = '1' WHERE key = 'schema_version';`);
  old.close();
  await writeBatches(other, [[helper, agent]]);
  assert.equal(storeReport(other, DAY_WINDOW).requests, 1);
  rmSync(directory, { recursive: true });
  rmSync(other, { recursive: true });
});
