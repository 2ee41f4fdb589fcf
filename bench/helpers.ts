// Rows 2, 3 and 6: the helpers against hand-written spans, each case in a fresh process (bench/workers/helpers.ts).
import { benchFile, progress, runWorker, times, us, type BenchRow } from './lib/common.ts';

interface HelperResult {
  case: string;
  oursNs: number;
  baselineNs: number;
  ratio: number;
  checks: string[];
}

async function measure(name: string, env: NodeJS.ProcessEnv): Promise<HelperResult> {
  const result = await runWorker<HelperResult>([benchFile('workers/helpers.ts'), name], {
    env,
    timeoutMillis: 300_000,
  });
  if (result.checks.length > 0) throw new Error(`bench case ${name}: ${result.checks.join('; ')}`);
  progress(`${name}: ${us(result.oursNs)} vs ${us(result.baselineNs)} (${times(result.ratio)})`);
  return result;
}

export async function helperRows(options: { calls: number; rounds: number }): Promise<BenchRow[]> {
  const env = { ...process.env, BENCH_CALLS: String(options.calls), BENCH_ROUNDS: String(options.rounds) };
  const llm = await measure('llm', env);
  const tool = await measure('tool', env);
  const memory = await measure('memory', env);
  const content = await measure('content', env);
  const redaction = await measure('redaction', env);
  const row = (figure: string, result: HelperResult, baseline: string, target: number): BenchRow => ({
    figure,
    ours: us(result.oursNs),
    baseline: `${us(result.baselineNs)} ${baseline}`,
    ratio: times(result.ratio),
    target: `≤ ${target}x`,
    met: result.ratio <= target,
  });
  return [
    row(
      '2  withLLMCall: usage, cost, 4 metric records, content off',
      llm,
      '(startActiveSpan, same attributes, no metrics)',
      1.5,
    ),
    row('3a withToolCall (+ its duration metric)', tool, '(startActiveSpan, same attributes)', 1.3),
    row('3b withMemoryOperation (+ its duration metric)', memory, '(startActiveSpan, same attributes)', 1.3),
    {
      figure: '6a content capture on (1 KB of messages + output) vs off',
      ours: us(content.oursNs),
      baseline: `${us(content.baselineNs)} (same withLLMCall, content off)`,
      ratio: times(content.ratio),
      target: 'informational',
    },
    row('6b content on (1 KB) + redaction on export, vs content off (same exporter)', redaction, '(content off)', 2),
  ];
}
