// `npm run bench`: every figure of issue 9, each measured side by side with its baseline in this run, printed as one
// table of ratios. Not part of `npm test`: timings are facts to read, not assertions. See bench/README.md.
//
//   npm run bench                 the default run (a few minutes on 2 cores; the outage row lasts 15 s)
//   npm run bench -- --long       the outage row at 60 s, and more rounds everywhere
//   npm run bench -- --quick      fewer rounds (a smoke run)
//   npm run bench -- --only=1,4   some rows only (1 start-up, 2/3/6 helpers, 4 export CPU, 5 outage, 7 event loop, A agents, L langgraph, R request path,
//                                 M MCP, H redaction of hostile text, Q the CLI's queries on 1M spans of local files)
//   npm run bench -- --only=Q --cli-10m   row Q on 10M spans too (1M grown tenfold: 9 GB of scratch files, many minutes)
//   npm run bench -- --only=S --store-10m row S (the same queries on the local store, after import) on 10M spans too
//                                         (1M imported, grown to 10M by bench/grow-store.ts; about 7 GB of scratch)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { agentsRow, langGraphRow } from './agents.ts';
import { helperRows } from './helpers.ts';
import { hostileRedactionRows } from './hostile-redaction.ts';
import { cliQueryRows } from './cli-queries.ts';
import { mcpRow } from './mcp.ts';
import { progress, repositoryRoot, type BenchRow } from './lib/common.ts';
import { eventLoopRows, exportCpuRows, outageRow, requestPathRow } from './pipeline.ts';
import { startupRows } from './startup.ts';

const args = process.argv.slice(2);
const long = args.includes('--long');
const quick = args.includes('--quick');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (row: string) => only === undefined || only.includes(row);

if (!existsSync(join(repositoryRoot, 'dist/cjs/register.cjs'))) {
  console.error('bench: dist/ is missing: run `npm run build` first (npm run bench does)');
  process.exit(1);
}

const rows: BenchRow[] = [];
const started = Date.now();
if (wanted('1')) rows.push(...(await startupRows({ rounds: quick ? 5 : long ? 21 : 11 })));
if (wanted('2') || wanted('3') || wanted('6'))
  rows.push(...(await helperRows({ calls: 20_000, rounds: quick ? 3 : long ? 15 : 9 })));
if (wanted('4')) rows.push(...(await exportCpuRows({ rounds: quick ? 1 : long ? 5 : 3, spans: 100_000 })));
if (wanted('5')) rows.push(await outageRow({ seconds: long ? 60 : quick ? 5 : 15 }));
if (wanted('7')) rows.push(...(await eventLoopRows({ rounds: quick ? 1 : long ? 5 : 3, seconds: quick ? 2 : 4 })));
if (wanted('A')) rows.push(await agentsRow({ runs: quick ? 30 : 60, rounds: quick ? 5 : long ? 45 : 25 }));
if (wanted('L')) rows.push(await langGraphRow({ runs: quick ? 10 : 30, rounds: quick ? 5 : long ? 25 : 15 }));
if (wanted('R')) rows.push(await requestPathRow({ rounds: quick ? 1 : long ? 5 : 3, seconds: quick ? 2 : 3 }));
if (wanted('M')) rows.push(await mcpRow({ calls: quick ? 500 : 2_000, rounds: quick ? 3 : long ? 25 : 15 }));
if (wanted('H')) rows.push(...hostileRedactionRows({ rounds: quick ? 3 : long ? 9 : 5 }));
if (wanted('S')) {
  rows.push(...(await cliQueryRows({ spans: quick ? 100_000 : 1_000_000, rounds: long ? 3 : 1, store: true })));
  if (args.includes('--store-10m'))
    rows.push(...(await cliQueryRows({ spans: 1_000_000, copies: 10, rounds: long ? 3 : 1, store: true })));
}
if (wanted('Q')) {
  rows.push(...(await cliQueryRows({ spans: quick ? 100_000 : 1_000_000, rounds: long ? 3 : 1 })));
  if (args.includes('--cli-10m'))
    rows.push(...(await cliQueryRows({ spans: 1_000_000, copies: 10, rounds: long ? 3 : 1 })));
}
progress(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);

const header: BenchRow = {
  figure: 'figure',
  ours: 'genai-otel',
  baseline: 'baseline (same run)',
  ratio: 'ratio',
  target: 'target',
};
const cells = (row: BenchRow) => [
  row.figure,
  row.ours,
  row.baseline,
  row.ratio,
  row.target,
  row === header ? 'met' : row.met === undefined ? '-' : row.met ? 'yes' : 'NO',
];
const table = [header, ...rows].map(cells);
const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
console.log(
  `\ngenai-otel bench, Node ${process.versions.node}, ${new Date().toISOString()}${long ? ' (--long)' : quick ? ' (--quick)' : ''}; medians, ratios = genai-otel / baseline\n`,
);
console.log(line(table[0]!));
console.log(line(widths.map((width) => '-'.repeat(width))));
for (const values of table.slice(1)) console.log(line(values));
