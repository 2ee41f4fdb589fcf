// Row A: an OpenAI Agents SDK run traced by genai-otel against the same run with one plain span per step, both
// against the run with telemetry off (bench/workers/agents.ts, one process, sides alternating in rounds).
import { benchFile, progress, runWorker, times, us, type BenchRow } from './lib/common.ts';

interface AgentsResult {
  offUs: number;
  oursUs: number;
  plainUs: number;
  oursAddedUs: number;
  plainAddedUs: number;
  checks: string[];
}

export async function agentsRow(options: { runs: number; rounds: number }): Promise<BenchRow> {
  const env = { ...process.env, BENCH_RUNS: String(options.runs), BENCH_ROUNDS: String(options.rounds) };
  const result = await runWorker<AgentsResult>([benchFile('workers/agents.ts')], { env, timeoutMillis: 600_000 });
  if (result.checks.length > 0) throw new Error(`bench agents: ${result.checks.join('; ')}`);
  const ours = result.oursAddedUs;
  const plain = result.plainAddedUs;
  const ratio = ours / plain;
  progress(
    `agents: +${ours.toFixed(0)} µs per run vs +${plain.toFixed(0)} µs (${times(ratio)}); off ${result.offUs.toFixed(0)} µs`,
  );
  return {
    figure: 'A  Agents SDK run (agent, 2 tools, 3 model calls): added CPU per run',
    ours: us(ours * 1000),
    baseline: `${us(plain * 1000)} (one plain span per step; off: ${us(result.offUs * 1000)})`,
    ratio: times(ratio),
    target: '≤ 1.3x',
    met: ratio <= 1.3,
  };
}
