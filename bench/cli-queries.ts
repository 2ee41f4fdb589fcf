// Row Q: the CLI's queries on large local files (issue 23). `report`, `traces` (latest 20), `sessions` and
// `export --format csv` read JSON lines made by bench/telemetry-generator.ts (agent turns over a day); each runs in its
// own process, the built CLI as a user runs it, and reports its wall time and its peak resident memory (the child's
// own getrusage, written at exit by bench/workers/max-rss.mjs). The target is the issue's: RSS under 300 MB whatever
// the size. The baseline column is the figure of the same command before streaming (issue 23's table, Node 24, on
// this machine kind), for reference only: it was not measured in this run.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTelemetry } from './telemetry-generator.ts';
import { growStore } from './grow-store.ts';
import { growJsonl } from './grow-jsonl.ts';
import { READING_FLAGS } from '../src/entry/reading-flags.ts';
import {
  benchFile,
  cleanEnv,
  median,
  progress,
  repositoryRoot,
  runNode,
  scratchFolder,
  type BenchRow,
} from './lib/common.ts';

const BEFORE: Record<string, Record<number, string>> = {
  report: { 1_000_000: '8.7 s, 1.2 GB' },
  traces: { 1_000_000: '6.9 s, 1.0 GB' },
  sessions: { 1_000_000: '8.1 s, 1.1 GB' },
  'export csv': { 1_000_000: '10.9 s, 1.8 GB' },
};
const TARGET_BYTES = 300 * 1024 * 1024;

/**
 * One row per query on `spans` spans; `rounds` runs of each, medians. With `copies`, the imported store (row S) is
 * grown to that many times its rows by bench/grow-store.ts, the JSON lines (row Q) by bench/grow-jsonl.ts (each copy
 * a day earlier, with its own ids): 10M spans in minutes instead of hours of generating or importing.
 *
 * @example
 * const rows = await cliQueryRows({ spans: 1_000_000, rounds: 1 });
 */
export async function cliQueryRows(options: {
  spans: number;
  rounds: number;
  store?: boolean;
  copies?: number;
}): Promise<BenchRow[]> {
  let folder = scratchFolder('cli-data');
  const started = Date.now();
  const made = await generateTelemetry({ directory: folder, spans: options.spans, days: 1 });
  progress(
    `Q: ${made.spans} spans (${(made.bytes / 1e6).toFixed(0)} MB of JSON lines) generated in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const source = options.store === true ? 'store' : 'files';
  const label = options.store === true ? 'in the local store' : 'of JSON lines';
  const rows: BenchRow[] = [];
  if (options.store === true) {
    // Row S: the same data imported into telemetry.db (genai-otel import), then the same commands on the store.
    const files = readdirSync(folder)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => join(folder, name));
    const rssFile = join(folder, 'rss-import.json');
    const result = await runNode(
      [
        '--import',
        benchFile('workers/max-rss.mjs'),
        join(repositoryRoot, 'dist/cli/genai-otel.js'),
        'import',
        '--dir',
        folder,
        ...files,
      ],
      { env: cleanEnv({ BENCH_RSS_FILE: rssFile }), timeoutMillis: 3_600_000 },
    );
    if (result.code !== 0) throw new Error(`genai-otel import failed: ${result.stderr.slice(-2000)}`);
    const peak = (JSON.parse(await readFile(rssFile, 'utf8')) as { maxRssBytes: number }).maxRssBytes;
    const size = statSync(join(folder, 'telemetry.db')).size;
    progress(
      `S import: ${(result.wallMillis / 1000).toFixed(1)} s, ${(peak / 1e6).toFixed(0)} MB, store ${(size / 1e6).toFixed(0)} MB`,
    );
    rows.push({
      figure: `S genai-otel import, ${(made.spans / 1e6).toFixed(made.spans < 1e6 ? 1 : 0)}M spans: wall, max RSS (store size)`,
      ours: `${(result.wallMillis / 1000).toFixed(1)} s, ${(peak / 1e6).toFixed(0)} MB (${(size / 1e6).toFixed(0)} MB)`,
      baseline: '-',
      ratio: '-',
      target: 'RSS < 300 MB',
      met: peak < TARGET_BYTES,
    });
    if ((options.copies ?? 1) > 1) {
      const grown = Date.now();
      made.spans = growStore(folder, options.copies!);
      progress(`S grown to ${made.spans} spans in ${((Date.now() - grown) / 1000).toFixed(1)} s`);
    }
  }
  if (options.store !== true && (options.copies ?? 1) > 1) {
    const grown = Date.now();
    const copies = scratchFolder('cli-data-grown');
    await growJsonl(folder, copies, options.copies!);
    rmSync(folder, { recursive: true, force: true });
    folder = copies;
    made.spans *= options.copies!;
    progress(`Q grown to ${made.spans} spans in ${((Date.now() - grown) / 1000).toFixed(1)} s`);
  }
  const output = join(folder, 'export.csv');
  const commands: [string, string[]][] = [
    ['report', ['report', '--json']],
    // The bar at 10M: a day's report. Each grown copy is a day of its own, so this reads one of them.
    ...((options.copies ?? 1) > 1
      ? ([['report, last day', ['report', '--json', '--since', '1d']]] as [string, string[]][])
      : []),
    ['traces', ['traces', '--limit', '20']],
    ['sessions', ['sessions', '--json']],
    ['export csv', ['export', '--format', 'csv', '--output', output]],
    ...(options.store === true
      ? ([['export jsonl', ['export', '--format', 'jsonl', '--output', output]]] as [string, string[]][])
      : []),
  ];
  // Each copy of a grown store lies a day before the last: the window covers them all.
  const since = `${(options.copies ?? 1) + 1}d`;
  for (const [name, args] of commands) {
    const walls: number[] = [];
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const rssFile = join(folder, `rss-${round}.json`);
      const result = await runNode(
        [
          ...READING_FLAGS,
          '--import',
          benchFile('workers/max-rss.mjs'),
          join(repositoryRoot, 'dist/cli/genai-otel.js'),
          ...args,
          '--source',
          source,
          '--dir',
          folder,
          ...(args.includes('--since') ? [] : ['--since', since]),
        ],
        { env: cleanEnv({ BENCH_RSS_FILE: rssFile }), timeoutMillis: 1_800_000 },
      );
      if (result.code !== 0) throw new Error(`genai-otel ${args.join(' ')} failed: ${result.stderr.slice(-2000)}`);
      walls.push(result.wallMillis);
      const usage = JSON.parse(await readFile(rssFile, 'utf8')) as { maxRssBytes: number; cpuMillis: number };
      rss.push(usage.maxRssBytes);
      cpu.push(usage.cpuMillis);
      rmSync(output, { force: true });
      progress(
        `Q ${name}: ${(result.wallMillis / 1000).toFixed(1)} s (CPU ${(cpu.at(-1)! / 1000).toFixed(1)} s), ${(rss.at(-1)! / 1e6).toFixed(0)} MB`,
      );
    }
    const peak = median(rss);
    // The 5 s is for a day's report: on a grown store that is the last-day row, not the whole window's.
    const dayReport = name === 'report, last day' || (name === 'report' && (options.copies ?? 1) === 1);
    rows.push({
      figure: `${options.store === true ? 'S' : 'Q'} CLI ${name}, ${(made.spans / 1e6).toFixed(made.spans < 1e6 ? 1 : 0)}M spans ${label}: wall (CPU), max RSS`,
      ours: `${(median(walls) / 1000).toFixed(1)} s (${(median(cpu) / 1000).toFixed(1)} s), ${(peak / 1e6).toFixed(0)} MB`,
      baseline:
        options.store === true || BEFORE[name]?.[options.spans] === undefined
          ? '-'
          : `before: ${BEFORE[name][options.spans]} (issue 23)`,
      ratio: '-',
      target:
        options.store === true && dayReport
          ? 'RSS < 300 MB, < 5 s'
          : options.store === true && name === 'traces'
            ? 'RSS < 300 MB, < 1 s'
            : 'RSS < 300 MB',
      met:
        peak < TARGET_BYTES &&
        (options.store !== true ||
          (dayReport ? median(walls) < 5000 : name === 'traces' ? median(walls) < 1000 : true)),
    });
  }
  rmSync(folder, { recursive: true, force: true });
  return rows;
}
