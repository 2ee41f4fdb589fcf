// The dashboard as one static HTML file: no script, no network, inline CSS and SVG, so it opens anywhere and can be
// mailed or archived as it is.
import { clock, count, millis, percent, seconds, usd } from '../render/format.ts';
import type { ReportData } from './model.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function tile(label: string, value: string, tone = ''): string {
  return `<div class="tile${tone === '' ? '' : ` ${tone}`}"><div class="label">${escape(label)}</div><div class="value">${escape(value)}</div></div>`;
}

/** A horizontal bar chart as inline SVG: one labelled bar per row, scaled to the largest value. */
function barChart(rows: { label: string; value: number; text: string }[], className: string): string {
  if (rows.length === 0) return '<p class="empty">No LLM calls in this window.</p>';
  const max = rows.reduce((largest, row) => Math.max(largest, row.value), 0) || 1;
  const rowHeight = 26;
  const labelWidth = 140;
  const barWidth = 300;
  const height = rows.length * rowHeight;
  const bars = rows
    .map((row, index) => {
      const y = index * rowHeight;
      const width = Math.max(2, (row.value / max) * barWidth);
      return `<text x="0" y="${y + 17}" class="axis">${escape(row.label)}</text><rect class="bar" x="${labelWidth}" y="${y + 4}" width="${width.toFixed(1)}" height="18" rx="3"></rect><text x="${(labelWidth + 6 + width).toFixed(1)}" y="${y + 17}" class="num">${escape(row.text)}</text>`;
    })
    .join('');
  return `<svg class="chart ${className}" viewBox="0 0 600 ${height}" width="600" height="${height}" role="img">${bars}</svg>`;
}

function htmlTable(header: string[], rows: string[][], numeric: number[]): string {
  const cell = (value: string, column: number, tag: string) =>
    `<${tag}${numeric.includes(column) ? ' class="n"' : ''}>${escape(value)}</${tag}>`;
  return `<table><thead><tr>${header.map((title, column) => cell(title, column, 'th')).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((value, column) => cell(value, column, 'td')).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f5f6f8}
h1{font-size:20px;margin:0 0 2px}h2{font-size:15px;margin:0 0 10px;color:#3a4356}.meta{color:#667085;margin-bottom:18px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-bottom:18px}
.tile{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:10px 12px}.tile .label{color:#667085;font-size:12px}.tile .value{font-size:20px;font-weight:600;margin-top:2px}
.tile.bad .value{color:#c4320a}.tile.good .value{color:#067647}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:14px}
section{background:#fff;border:1px solid #e3e6eb;border-radius:8px;padding:14px 16px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 6px;border-bottom:1px solid #eef0f3;text-align:left;white-space:nowrap}th{color:#667085;font-weight:500}.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{max-width:100%;height:auto}.chart .bar{fill:#4f6bed}.chart.hours .bar{fill:#12a594}.chart text{font-size:13px;fill:#3a4356}.chart .num{fill:#667085}
.empty{color:#667085}footer{margin-top:18px;color:#98a2b3;font-size:12px}
`;

/**
 * The report as a self-contained HTML page.
 *
 * @example
 * writeFileSync('report.html', renderReportHtml(data));
 */
export function renderReportHtml(data: ReportData): string {
  const errorTone = data.errorRate !== null && data.errorRate > 0.1 ? 'bad' : '';
  const toolTone = data.tools.failureRate !== null && data.tools.failureRate > 0.1 ? 'bad' : '';
  const tiles = [
    tile('LLM requests', count(data.requests)),
    tile('Error rate', percent(data.errorRate), errorTone),
    tile('Latency p50', seconds(data.latency?.p50)),
    tile('Latency p95', seconds(data.latency?.p95)),
    tile('Latency p99', seconds(data.latency?.p99)),
    tile('First chunk p50', seconds(data.timeToFirstChunk?.p50)),
    tile('Input tokens', count(data.tokens.input)),
    tile('Output tokens', count(data.tokens.output)),
    tile('Cost', usd(data.costUsd)),
    tile('Tool failure rate', percent(data.tools.failureRate), toolTone),
    tile('Client retries', count(data.retries.total)),
    tile(
      'Liked / disliked',
      `${count(data.feedback.likes)} / ${count(data.feedback.dislikes)}`,
      data.feedback.likes >= data.feedback.dislikes ? 'good' : 'bad',
    ),
  ].join('');
  const byModel = barChart(
    data.byModel.map((row) => ({
      label: row.model,
      value: row.costUsd,
      text: `${usd(row.costUsd)} · ${count(row.requests)} req`,
    })),
    'models',
  );
  const byHour = barChart(
    data.byHour.map((row) => ({
      label: clock(row.hourStartMillis),
      value: row.costUsd,
      text: `${usd(row.costUsd)} · ${count(row.requests)} req`,
    })),
    'hours',
  );
  const models = htmlTable(
    ['model', 'requests', 'errors', 'input tokens', 'output tokens', 'cost'],
    data.byModel.map((row) => [
      row.model,
      count(row.requests),
      count(row.errors),
      count(row.inputTokens),
      count(row.outputTokens),
      usd(row.costUsd),
    ]),
    [1, 2, 3, 4, 5],
  );
  const tools = htmlTable(
    ['tool', 'calls', 'failed', 'failure rate'],
    data.tools.byTool.map((row) => [
      row.tool,
      count(row.calls),
      count(row.failures),
      percent(row.calls > 0 ? row.failures / row.calls : null),
    ]),
    [1, 2, 3],
  );
  const retries = htmlTable(
    ['reason', 'retries'],
    data.retries.byReason.map((row) => [row.reason, count(row.count)]),
    [1],
  );
  const operations = htmlTable(
    ['span', 'kind', 'calls', 'errors', 'p95'],
    data.operations
      .slice(0, 20)
      .map((row) => [
        row.name,
        row.kind.toLowerCase(),
        count(row.calls),
        count(row.errors),
        row.p95Millis === null ? '–' : millis(row.p95Millis),
      ]),
    [2, 3, 4],
  );
  const title = `genai-otel report${data.service === undefined ? '' : ` · ${data.service}`}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escape(title)}</h1>
<div class="meta">${escape(`${clock(data.sinceMillis)} → ${clock(data.untilMillis)} · from ${data.source}${data.exactPercentiles ? '' : ' · percentiles estimated from histogram buckets'}`)}</div>
<div class="tiles">${tiles}</div>
<div class="grid">
<section id="cost-by-model"><h2>Cost by model</h2>${byModel}${models}</section>
<section id="cost-by-hour"><h2>Cost by hour</h2>${byHour}</section>
<section id="tools"><h2>Tools</h2>${data.tools.byTool.length === 0 ? '<p class="empty">No tool calls.</p>' : tools}</section>
<section id="retries"><h2>LLM client retries</h2>${data.retries.byReason.length === 0 ? '<p class="empty">No retries.</p>' : retries}</section>
<section id="operations"><h2>Operations (Jaeger Monitor view)</h2>${data.operations.length === 0 ? '<p class="empty">No spans.</p>' : operations}</section>
</div>
<footer>Generated by genai-otel on ${escape(new Date(data.untilMillis).toISOString())}.</footer>
</body></html>
`;
}
