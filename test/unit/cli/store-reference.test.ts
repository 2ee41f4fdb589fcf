// The local store's answers against a slow reference: about 10^5 generated spans are imported into a store with
// `genai-otel import`'s code, and the store's report (computed in SQL) and session table (a few sessions at a time)
// must equal reportFromSpans and summarizeSessions run over every span and log record of the same files in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatedStores } from '../../support/generated-store.ts';
import { importFiles } from '../../../src/cli/commands/import.ts';
import { StoreSource } from '../../../src/cli/telemetry/store-source.ts';
import { sessionsFromStore } from '../../../src/cli/telemetry/store-sessions.ts';
import { reportFromStore } from '../../../src/cli/report/from-store.ts';
import { reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import { logsOf, spansOf, type CliLog, type CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';
import { summarizeSessions } from '../../../src/sessions/summarize.ts';
import type { ReportData } from '../../../src/cli/report/model.ts';

const HOUR = 3_600_000;

/** Sums added in another order differ in the last bits: compare numbers to 9 significant digits. */
function normalized(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(9));
  if (Array.isArray(value)) return value.map(normalized);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalized(item)]));
  return value;
}

/**
 * Deep equality where numbers may differ in their last bits (SQLite adds with compensated summation, JavaScript
 * does not): relative difference under 1e-9.
 */
function assertClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const scale = Math.max(Math.abs(expected), Math.abs(actual), 1e-12);
    assert.ok(Math.abs(actual - expected) / scale < 1e-9, `${path}: ${actual} ≠ ${expected}`);
  } else if (Array.isArray(expected) && Array.isArray(actual)) {
    assert.equal(actual.length, expected.length, `${path}.length`);
    expected.forEach((item, index) => assertClose(actual[index], item, `${path}[${index}]`));
  } else if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const [key, item] of Object.entries(expected))
      assertClose((actual as Record<string, unknown>)[key], item, `${path}.${key}`);
  } else assert.deepEqual(actual, expected, path);
}

/** Equal calls leave the order of tools to each side: compare them by name. */
function comparable(report: ReportData): unknown {
  return normalized({
    ...report,
    source: undefined,
    tools: { ...report.tools, byTool: [...report.tools.byTool].sort((a, b) => a.tool.localeCompare(b.tool)) },
  });
}

test('report and sessions from the store equal the in-memory computation over the same 10^5 spans', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-store-reference-'));
  // Turns over 30 hours: the last day is the report's window, the hours before it must be left out.
  const stores = await generatedStores(directory, { turns: 25_000, hours: 30, sessions: 2500 }, [
    join(directory, 'store'),
  ]);
  const { now, generated, file } = stores;
  const imported = stores.imported[0]!;
  assert.ok(generated.spans >= 100_000, String(generated.spans));
  assert.equal(imported.spans, generated.spans);
  assert.equal(imported.stored, generated.spans);

  // The reference: every span and log record of the lines, in memory.
  const allSpans: CliSpan[] = generated.lines.flatMap((line) => spansOf(JSON.parse(line)));
  const allLogs: CliLog[] = generated.lines.flatMap((line) => logsOf(JSON.parse(line)));
  const source = StoreSource.open(join(directory, 'store'))!;
  const windows = [
    { sinceMillis: now - 24 * HOUR, untilMillis: now },
    { sinceMillis: now - 24 * HOUR, untilMillis: now, service: 'svc-b' },
    { sinceMillis: now - 3 * HOUR, untilMillis: now - HOUR },
  ];
  for (const window of windows) {
    const spans = allSpans.filter(
      (span) => span.startMillis >= window.sinceMillis && span.startMillis <= window.untilMillis,
    );
    const traces = new Set(spans.filter((span) => span.serviceName === window.service).map((span) => span.traceId));
    const inService = window.service === undefined ? spans : spans.filter((span) => traces.has(span.traceId));
    const logs = allLogs.filter(
      (log) =>
        log.timeMillis >= window.sinceMillis &&
        log.timeMillis <= window.untilMillis &&
        (window.service === undefined || log.serviceName === window.service),
    );
    const expected = reportFromSpans(inService, logs, { source: 'reference', ...window });
    const actual = reportFromStore(source.db, { source: 'store', ...window });
    assert.ok(expected.requests > 1000, `${expected.requests} requests`);
    assert.deepEqual(comparable(actual), comparable(expected), JSON.stringify(window));

    if (window.service !== undefined) continue;
    const expectedSessions = summarizeSessions(inService, logs).sort((a, b) => a.sessionId.localeCompare(b.sessionId));
    assert.ok(expectedSessions.length > 100);
    // The data has what each column needs: shared accounts, regenerated answers, other revisions.
    assert.ok(expectedSessions.some((row) => row.userIds.length === 2));
    assert.ok(expectedSessions.some((row) => row.userMessages < row.assistantMessages && row.retried > 0));
    assert.ok(expectedSessions.some((row) => row.edited > 0 && row.undone > 0 && row.cleared > 0));
    const actualSessions = [...sessionsFromStore(source.db, window)].sort((a, b) =>
      a.sessionId.localeCompare(b.sessionId),
    );
    assertClose(actualSessions, expectedSessions);
  }
  source.close();

  // Importing the same file again keeps every span once.
  const again = await importFiles([file], join(directory, 'store'));
  assert.equal(again.stored, 0);
  rmSync(directory, { recursive: true });
});
