// Row 1: start-up time the preload adds to `node -e ...`, against plain NodeSDK, interleaved in the same run.
import {
  appFolder,
  benchFile,
  cleanEnv,
  closedPort,
  freshSpool,
  median,
  ms,
  progress,
  runNode,
  scratchFolder,
  times,
  type BenchRow,
} from './lib/common.ts';

interface Variant {
  label: string;
  args: string[];
  env?: Record<string, string>;
  /** The bare run this one is compared with (same script, same compile-cache setting). */
  bare: string;
}

const LOAD = 'process.exit(0)'; // load + start only: exit before any flush
const FULL = '0'; // the event loop ends: includes the flush at exit

export async function startupRows(options: { rounds: number }): Promise<BenchRow[]> {
  const cwd = appFolder();
  const port = await closedPort();
  const cache = scratchFolder('compile-cache');
  const nodeSdk = benchFile('fixtures/plain-nodesdk.cjs');
  const nodeSdkImported = benchFile('fixtures/plain-nodesdk.mjs');
  const cc = { NODE_COMPILE_CACHE: cache };
  const variants: Variant[] = [];
  for (const script of [LOAD, FULL]) {
    const tag = script === LOAD ? 'load' : 'full';
    variants.push(
      { label: `bare ${tag}`, args: ['-e', script], bare: `bare ${tag}` },
      { label: `nodesdk ${tag}`, args: ['--require', nodeSdk, '-e', script], bare: `bare ${tag}` },
      { label: `require ${tag}`, args: ['--require', 'genai-otel/register', '-e', script], bare: `bare ${tag}` },
      { label: `import ${tag}`, args: ['--import', 'genai-otel/register', '-e', script], bare: `bare ${tag}` },
    );
  }
  variants.push(
    {
      label: 'disabled load',
      args: ['--require', 'genai-otel/register', '-e', LOAD],
      env: { OTEL_SDK_DISABLED: 'true' },
      bare: 'bare load',
    },
    { label: 'bare cc', args: ['-e', LOAD], env: cc, bare: 'bare cc' },
    { label: 'nodesdk cc', args: ['--require', nodeSdk, '-e', LOAD], env: cc, bare: 'bare cc' },
    { label: 'require cc', args: ['--require', 'genai-otel/register', '-e', LOAD], env: cc, bare: 'bare cc' },
    { label: 'import cc', args: ['--import', 'genai-otel/register', '-e', LOAD], env: cc, bare: 'bare cc' },
    { label: 'nodesdk import cc', args: ['--import', nodeSdkImported, '-e', LOAD], env: cc, bare: 'bare cc' },
  );

  const samples = new Map<string, number[]>(variants.map((variant) => [variant.label, []]));
  // Round 0 warms the file system and compile caches and is not counted. Sides alternate within each round, in a
  // rotating order, so that a noisy second hits every side alike.
  for (let round = 0; round <= options.rounds; round++) {
    for (let index = 0; index < variants.length; index++) {
      const variant = variants[(index + round) % variants.length]!;
      const env = cleanEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        GENAI_OTEL_SPOOL_DIR: freshSpool(),
        OTEL_LOG_LEVEL: 'none',
        ...variant.env,
      });
      const result = await runNode(variant.args, { cwd, env, timeoutMillis: 60_000 });
      if (result.code !== 0)
        throw new Error(`${variant.label} exited with ${result.code}: ${result.stderr.slice(0, 1000)}`);
      if (round > 0) samples.get(variant.label)!.push(result.wallMillis);
    }
    progress(`start-up round ${round}/${options.rounds}`);
  }
  const wall = (label: string) => median(samples.get(label)!);
  const added = (label: string) => wall(label) - wall(variants.find((variant) => variant.label === label)!.bare);

  const row = (figure: string, ours: string, baseline: string): BenchRow => {
    const ratio = added(ours) / added(baseline);
    return {
      figure,
      ours: `+${ms(added(ours))}`,
      baseline: `+${ms(added(baseline))} (bare ${ms(wall(variants.find((variant) => variant.label === ours)!.bare))})`,
      ratio: times(ratio),
      target: '≤ 0.33x and < 100 ms',
      met: ratio <= 1 / 3 && added(ours) < 100,
    };
  };
  return [
    row('1a start-up, load+start (-e process.exit(0)), --require', 'require load', 'nodesdk load'),
    row('1b start-up, load+start, --import', 'import load', 'nodesdk load'),
    row('1c start-up incl. flush at exit (-e 0), --require', 'require full', 'nodesdk full'),
    row('1d start-up incl. flush at exit (-e 0), --import', 'import full', 'nodesdk full'),
    row('1e start-up, load+start, NODE_COMPILE_CACHE on every side, --require', 'require cc', 'nodesdk cc'),
    row('1f start-up, load+start, NODE_COMPILE_CACHE on every side, --import', 'import cc', 'nodesdk cc'),
    row(
      '1h start-up, load+start, NODE_COMPILE_CACHE on every side, --import, vs NodeSDK also preloaded with --import',
      'import cc',
      'nodesdk import cc',
    ),
    {
      figure: '1g start-up with OTEL_SDK_DISABLED=true, --require',
      ours: `+${ms(added('disabled load'))}`,
      baseline: `bare ${ms(wall('bare load'))}`,
      ratio: '-',
      target: '~0 (< 5 ms)',
      met: added('disabled load') < 5,
    },
  ];
}
