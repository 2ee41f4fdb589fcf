// Row M: the CPU an MCP tool call gains from genai-otel's instrumentation, against one plain span per step written
// by hand (bench/workers/mcp.ts).
import { benchFile, progress, runWorker, times, us, type BenchRow } from './lib/common.ts';

interface McpResult {
  offNs: number;
  oursNs: number;
  handNs: number;
  /** Medians of the per-round CPU added to the untraced call. */
  oursAddedNs: number;
  handAddedNs: number;
  ratio: number;
  checks: string[];
}

export async function mcpRow(options: { calls: number; rounds: number }): Promise<BenchRow> {
  const env = { ...process.env, BENCH_CALLS: String(options.calls), BENCH_ROUNDS: String(options.rounds) };
  const result = await runWorker<McpResult>([benchFile('workers/mcp.ts')], { env, timeoutMillis: 300_000 });
  if (result.checks.length > 0) throw new Error(`bench row M: ${result.checks.join('; ')}`);
  progress(
    `mcp: untraced ${us(result.offNs)}, genai-otel +${us(result.oursAddedNs)}, by hand +${us(result.handAddedNs)} (per-round ratio ${times(result.ratio)})`,
  );
  return {
    figure: 'M  MCP tools/call (client + server span, _meta propagation, 2 metric records): CPU added',
    ours: `+${us(result.oursAddedNs)}`,
    baseline: `+${us(result.handAddedNs)} (2 startActiveSpan + inject/extract by hand; untraced ${us(result.offNs)})`,
    ratio: times(result.ratio),
    target: '≤ 1.3x',
    met: result.ratio <= 1.3,
  };
}
