// The measuring loop of rows A and L: three sides of one run (telemetry off, genai-otel, one plain span per step) in
// the same process, in rounds of one block per side in rotating order, on the thread CPU clock. The machine is shared
// and its load drifts, and the JIT keeps speeding every side up during the first few hundred runs: warm-up rounds are
// not counted, and each side's cost is taken against the "off" block of its own round.

/** What a row worker prints: CPU µs per run, and the spread of the per-round figures. */
export interface SideRoundsResult {
  offUs: number;
  oursUs: number;
  plainUs: number;
  /** Median over rounds of (side − that round's off). */
  oursAddedUs: number;
  plainAddedUs: number;
  /** Quartiles of the per-round added CPU, [p25, p75]. */
  oursAddedSpread: [number, number];
  plainAddedSpread: [number, number];
  /** Median over rounds of (ours added / plain added), and its quartiles: how far one round's ratio strays. */
  roundRatio: number;
  roundRatioSpread: [number, number];
  rounds: number;
  checks: string[];
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/**
 * Runs `warmupRounds` uncounted then `rounds` counted rounds of `block(side)` for the sides `off`, `genai-otel` and
 * `plain`, and sums them up. `block` returns the CPU µs per run of one block.
 *
 * @example
 * const result = await measureSides({ rounds: 25, warmupRounds: 6, block: (side) => timeBlock(side, 60) });
 */
export async function measureSides(options: {
  rounds: number;
  warmupRounds: number;
  block: (side: string) => Promise<number>;
  /** Called once the warm-up is over (to reset counts of spans made). */
  afterWarmup?: () => void;
}): Promise<Omit<SideRoundsResult, 'checks'>> {
  const names = ['off', 'genai-otel', 'plain'];
  const perSide = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    if (round === options.warmupRounds) options.afterWarmup?.();
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    for (const name of order) {
      const value = await options.block(name);
      if (round >= options.warmupRounds) perSide.get(name)!.push(value);
    }
  }
  const off = perSide.get('off')!;
  const added = (name: string) => perSide.get(name)!.map((value, round) => value - off[round]!);
  const ours = added('genai-otel');
  const plain = added('plain');
  const ratios = ours.map((value, round) => value / plain[round]!).filter((ratio) => Number.isFinite(ratio));
  if (process.env.BENCH_TRACE !== undefined)
    console.error(
      JSON.stringify(Object.fromEntries([...perSide].map(([name, values]) => [name, values.map(Math.round)]))),
    );
  return {
    offUs: quantile(off, 0.5),
    oursUs: quantile(perSide.get('genai-otel')!, 0.5),
    plainUs: quantile(perSide.get('plain')!, 0.5),
    oursAddedUs: quantile(ours, 0.5),
    plainAddedUs: quantile(plain, 0.5),
    oursAddedSpread: [quantile(ours, 0.25), quantile(ours, 0.75)],
    plainAddedSpread: [quantile(plain, 0.25), quantile(plain, 0.75)],
    roundRatio: quantile(ratios, 0.5),
    roundRatioSpread: [quantile(ratios, 0.25), quantile(ratios, 0.75)],
    rounds: options.rounds,
  };
}
