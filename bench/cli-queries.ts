// Row Q: the CLI's queries on large local files (issue 23). `report`, `traces` (latest 20), `sessions` and
// `export --format csv` read JSON lines made by bench/telemetry-generator.ts (agent turns over a day); each runs in its
// own process, the built CLI as a user runs it, and reports its wall time and its peak resident memory (the child's
// own getrusage, written at exit by bench/workers/max-rss.mjs). The target is the issue's: RSS under 300 MB whatever
// the size. The baseline column is the figure of the same command before streaming (issue 23's table, Node 24, on
// this machine kind), for reference only: it was not measured in this run.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTelemetry } from './telemetry-generator.ts';
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
 * One row per query on `spans` spans; `rounds` runs of each, medians.
 *
 * @example
 * const rows = await cliQueryRows({ spans: 1_000_000, rounds: 1 });
 */
export async function cliQueryRows(options: { spans: number; rounds: number }): Promise<BenchRow[]> {
  const folder = scratchFolder('cli-data');
  const started = Date.now();
  const made = await generateTelemetry({ directory: folder, spans: options.spans, days: 1 });
  progress(
    `Q: ${made.spans} spans (${(made.bytes / 1e6).toFixed(0)} MB of JSON lines) generated in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const output = join(folder, 'export.csv');
  const commands: [string, string[]][] = [
    ['report', ['report', '--json']],
    ['traces', ['traces', '--limit', '20']],
    ['sessions', ['sessions', '--json']],
    ['export csv', ['export', '--format', 'csv', '--output', output]],
  ];
  const rows: BenchRow[] = [];
  for (const [name, args] of commands) {
    const walls: number[] = [];
    const rss: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const rssFile = join(folder, `rss-${round}.json`);
      const result = await runNode(
        [
          '--max-semi-space-size=4',
          '--import',
          benchFile('workers/max-rss.mjs'),
          join(repositoryRoot, 'dist/cli/genai-otel.js'),
          ...args,
          '--source',
          'files',
          '--dir',
          folder,
          '--since',
          '2d',
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
    rows.push({
      figure: `Q CLI ${name}, ${(made.spans / 1e6).toFixed(made.spans < 1e6 ? 1 : 0)}M spans of JSON lines: wall (CPU), max RSS`,
      ours: `${(median(walls) / 1000).toFixed(1)} s (${(median(cpu) / 1000).toFixed(1)} s), ${(peak / 1e6).toFixed(0)} MB`,
      baseline: BEFORE[name]?.[options.spans] === undefined ? '-' : `before: ${BEFORE[name][options.spans]} (issue 23)`,
      ratio: '-',
      target: 'RSS < 300 MB',
      met: peak < TARGET_BYTES,
    });
  }
  rmSync(folder, { recursive: true, force: true });
  return rows;
}
