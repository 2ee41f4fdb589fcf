// The dashboard in a terminal: headline figures, then cost by model and by hour, tools, retries, operations.
import { bar, clock, count, millis, percent, seconds, table, usd } from '../render/format.ts';
import type { Style } from '../render/style.ts';
import type { ReportData } from './model.ts';
import { terminalSafeDeep } from '../render/terminal-text.ts';

/**
 * The report as lines of text.
 *
 * @example
 * for (const line of renderReportText(data, styleFor(process.stdout))) console.log(line);
 */
export function renderReportText(given: ReportData, style: Style): string[] {
  // Model, tool, span and service names come from telemetry: escaped before anything is built from them.
  const data = terminalSafeDeep(given);
  const lines: string[] = [];
  const heading = (title: string) => lines.push('', style.bold(title));
  const add = (more: readonly string[]) => {
    for (const line of more) lines.push(line);
  };
  lines.push(
    style.bold(
      `genai-otel report · ${clock(data.sinceMillis)} → ${clock(data.untilMillis)}${data.service === undefined ? '' : ` · ${data.service}`}`,
    ),
  );
  lines.push(
    style.dim(`from ${data.source}${data.exactPercentiles ? '' : ' (percentiles estimated from histogram buckets)'}`),
  );

  const errorRate =
    data.errorRate !== null && data.errorRate > 0.1 ? style.red(percent(data.errorRate)) : percent(data.errorRate);
  const toolRate =
    data.tools.failureRate !== null && data.tools.failureRate > 0.1
      ? style.yellow(percent(data.tools.failureRate))
      : percent(data.tools.failureRate);
  heading('LLM calls');
  add(
    table(
      [
        'requests',
        'errors',
        'error rate',
        'p50',
        'p95',
        'p99',
        'first chunk p50',
        'input tokens',
        'output tokens',
        'cached',
        'cost',
      ],
      [
        [
          { right: count(data.requests) },
          { right: count(data.errors) },
          { right: errorRate },
          { right: seconds(data.latency?.p50) },
          { right: seconds(data.latency?.p95) },
          { right: seconds(data.latency?.p99) },
          { right: seconds(data.timeToFirstChunk?.p50) },
          { right: count(data.tokens.input) },
          { right: count(data.tokens.output) },
          { right: data.tokens.cacheRead === null ? '–' : count(data.tokens.cacheRead) },
          { right: style.bold(usd(data.costUsd)) },
        ],
      ],
    ),
  );

  heading('Cost by model');
  const maxModelCost = data.byModel.reduce((largest, row) => Math.max(largest, row.costUsd), 0);
  add(
    data.byModel.length === 0
      ? ['  no LLM calls']
      : table(
          ['model', 'requests', 'errors', 'input', 'output', 'cost', ''],
          data.byModel.map((row) => [
            row.model,
            { right: count(row.requests) },
            { right: count(row.errors) },
            { right: count(row.inputTokens) },
            { right: count(row.outputTokens) },
            { right: usd(row.costUsd) },
            style.cyan(bar(row.costUsd, maxModelCost)),
          ]),
        ),
  );

  heading('Cost by hour');
  const maxHourCost = data.byHour.reduce((largest, row) => Math.max(largest, row.costUsd), 0);
  add(
    data.byHour.length === 0
      ? ['  no LLM calls']
      : table(
          ['hour', 'requests', 'cost', ''],
          data.byHour.map((row) => [
            clock(row.hourStartMillis),
            { right: count(row.requests) },
            { right: usd(row.costUsd) },
            style.cyan(bar(row.costUsd, maxHourCost)),
          ]),
        ),
  );

  heading('Tools');
  lines.push(`  ${count(data.tools.calls)} calls, ${count(data.tools.failures)} failed (${toolRate})`);
  if (data.tools.byTool.length > 0) {
    add(
      table(
        ['tool', 'calls', 'failed', 'failure rate'],
        data.tools.byTool.map((row) => [
          row.tool,
          { right: count(row.calls) },
          { right: count(row.failures) },
          { right: percent(row.calls > 0 ? row.failures / row.calls : null) },
        ]),
      ),
    );
  }

  heading('Retries and feedback');
  const reasons = data.retries.byReason.map((row) => `${row.reason} ${row.count}`).join(', ');
  lines.push(`  LLM client retries: ${count(data.retries.total)}${reasons === '' ? '' : ` (${reasons})`}`);
  lines.push(
    `  feedback: ${style.green(`${count(data.feedback.likes)} liked`)}, ${style.red(`${count(data.feedback.dislikes)} disliked`)}`,
  );

  if (data.operations.length > 0) {
    heading("Operations (what Jaeger's Monitor tab shows)");
    add(
      table(
        ['span', 'kind', 'calls', 'errors', 'p95'],
        data.operations
          .slice(0, 15)
          .map((row) => [
            row.name,
            row.kind.toLowerCase(),
            { right: count(row.calls) },
            { right: row.errors > 0 ? style.red(count(row.errors)) : '0' },
            { right: row.p95Millis === null ? '–' : millis(row.p95Millis) },
          ]),
      ),
    );
  }
  return lines;
}
