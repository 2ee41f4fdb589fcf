// Rows A and L: an OpenAI Agents SDK run and a LangGraph run traced by genai-otel against the same run with one plain
// span per step, both against the run with telemetry off (bench/workers/agents.ts and langgraph.ts, one process
// each, sides alternating in rounds).
import { benchFile, progress, runWorker, times, us, type BenchRow } from './lib/common.ts';
import type { SideRoundsResult } from './lib/side-rounds.ts';

async function agentRunRow(
  worker: string,
  label: string,
  figure: string,
  options: { runs: number; rounds: number },
): Promise<BenchRow> {
  const env = { ...process.env, BENCH_RUNS: String(options.runs), BENCH_ROUNDS: String(options.rounds) };
  const result = await runWorker<SideRoundsResult>([benchFile(worker)], { env, timeoutMillis: 600_000 });
  if (result.checks.length > 0) throw new Error(`bench ${label}: ${result.checks.join('; ')}`);
  const ours = result.oursAddedUs;
  const plain = result.plainAddedUs;
  const ratio = ours / plain;
  const spread = (values: [number, number]) => `${values[0].toFixed(0)}–${values[1].toFixed(0)}`;
  progress(
    `${label}: +${ours.toFixed(0)} µs per run (${spread(result.oursAddedSpread)}) vs +${plain.toFixed(0)} µs (${spread(result.plainAddedSpread)}): ${times(ratio)}; per-round ratio ${times(result.roundRatio)} (${result.roundRatioSpread.map((value) => value.toFixed(2)).join('–')}); off ${result.offUs.toFixed(0)} µs; ${result.rounds} rounds`,
  );
  return {
    figure,
    ours: us(ours * 1000),
    baseline: `${us(plain * 1000)} (one plain span per step; off: ${us(result.offUs * 1000)})`,
    ratio: times(ratio),
    target: '≤ 1.3x',
    met: ratio <= 1.3,
  };
}

/** Row A: an Agents SDK run (agent, 2 tools, 3 model calls through the openai client). */
export function agentsRow(options: { runs: number; rounds: number }): Promise<BenchRow> {
  return agentRunRow(
    'workers/agents.ts',
    'agents',
    'A  Agents SDK run (agent, 2 tools, 3 model calls): added CPU per run',
    options,
  );
}

/** Row L: a LangGraph run (StateGraph: model node and ToolNode, 2 tools, 3 model calls through the openai client). */
export function langGraphRow(options: { runs: number; rounds: number }): Promise<BenchRow> {
  return agentRunRow(
    'workers/langgraph.ts',
    'langgraph',
    'L  LangGraph run (graph, 5 nodes, 2 tools, 3 model calls): added CPU per run',
    options,
  );
}
