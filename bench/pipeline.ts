// Rows 4, 5, 7 and the request-path row: real apps (bench/workers/span-app.cjs) under genai-otel's preload, plain
// NodeSDK's, or none, exporting over OTLP/HTTP to a receiver in another process.
import {
  appFolder,
  benchFile,
  cleanEnv,
  closedPort,
  freshSpool,
  scratchFolder,
  median,
  ms,
  progress,
  runWorker,
  times,
  type BenchRow,
} from './lib/common.ts';
import { startRemoteReceiver, type RemoteReceiver } from './lib/receiver.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { readFolderStatuses } from '../src/cli/commands/folder-statuses.ts';
import type { StoreStatus } from '../src/export/folder-status.ts';

type Side = 'genai-otel' | 'nodesdk' | 'none';
/** The local store's own measure of its turns on the app's event loop (its status file's `store.eventLoop`). */
type StoreHolds = NonNullable<StoreStatus['eventLoop']>;

/** An empty list of samples for each run of a row. */
const samplesOf = <Run extends string>(runs: readonly Run[]) =>
  Object.fromEntries(runs.map((run) => [run, [] as number[]])) as Record<Run, number[]>;

const app = benchFile('workers/span-app.cjs');
const preloads: Record<Side, string[]> = {
  'genai-otel': ['--require', 'genai-otel/register'],
  nodesdk: ['--require', benchFile('fixtures/plain-nodesdk.cjs')],
  none: [],
};
let runs = 0;

/** The same settings for both SDKs: genai-otel's batch defaults, no instrumentations, no log bridges. */
function appEnv(
  side: Side,
  endpoint: string,
  extra: Record<string, string>,
): { env: NodeJS.ProcessEnv; service: string } {
  const service = `bench-${side}-${++runs}`;
  const env = cleanEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    OTEL_BSP_MAX_QUEUE_SIZE: '32768',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2048',
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    GENAI_OTEL_INSTRUMENTATIONS: 'none',
    GENAI_OTEL_LOG_BRIDGES: 'none',
    GENAI_OTEL_SPOOL_DIR: freshSpool(),
    BENCH_TELEMETRY: side,
    ...extra,
  });
  return { env, service };
}

const runApp = <T>(side: Side, env: NodeJS.ProcessEnv, cwd: string, timeoutMillis = 180_000) =>
  runWorker<T>([...preloads[side], app], { env, cwd, timeoutMillis });

/**
 * Row 4: CPU per span created and exported, 100k-span burst, drops counted at the receiver. Two baselines: NodeSDK
 * with the OTLP/HTTP JSON exporter (@opentelemetry/exporter-trace-otlp-http, the baseline) and with the
 * protobuf one (-proto: the encoding genai-otel sends, the same official serializer). Rows a to d use the spans of an
 * app's own work (the export pipeline); row e uses model calls made by another instrumentation, which genai-otel also
 * completes (cost, four metric records), against NodeSDK exporting the same spans.
 */
export async function exportCpuRows(options: { rounds: number; spans: number }): Promise<BenchRow[]> {
  const cwd = appFolder();
  const receiver = await startRemoteReceiver();
  // genai-otel as it ships (redaction on), and with GENAI_OTEL_REDACT=off (what the export pipeline itself costs).
  // 'discard': NodeSDK whose exporter drops every batch: what creating and batching spans costs, the floor under any
  // exporter.
  // 'model-calls' and 'protobuf-model-calls': genai-otel and NodeSDK (protobuf) on model-call spans.
  type Run = 'genai-otel' | 'unredacted' | 'json' | 'protobuf' | 'discard' | 'model-calls' | 'protobuf-model-calls';
  const runsOf: Run[] = [
    'genai-otel',
    'unredacted',
    'json',
    'protobuf',
    'discard',
    'model-calls',
    'protobuf-model-calls',
  ];
  const perSpan = samplesOf(runsOf);
  const drops = samplesOf(runsOf);
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (let index = 0; index < runsOf.length; index++) {
        const run = runsOf[(index + round) % runsOf.length]!;
        const side: Side =
          run === 'genai-otel' || run === 'unredacted' || run === 'model-calls' ? 'genai-otel' : 'nodesdk';
        await receiver.reset();
        const redact: Record<string, string> = run === 'unredacted' ? { GENAI_OTEL_REDACT: 'off' } : {};
        const modelCalls = run === 'model-calls' || run === 'protobuf-model-calls';
        const { env, service } = appEnv(side, receiver.url, {
          BENCH_MODE: 'burst',
          BENCH_SPANS: String(options.spans),
          BENCH_NODESDK_ENCODING: run === 'protobuf-model-calls' ? 'protobuf' : run,
          BENCH_SPANS_OF: modelCalls ? 'model-call' : 'app',
          ...redact,
        });
        const result = await runApp<{ spans: number; cpuMicros: number }>(side, env, cwd);
        const received = await receiver.count(service);
        perSpan[run].push((result.cpuMicros * 1000) / result.spans);
        drops[run].push(result.spans - received.distinct);
        progress(
          `export CPU ${run}: ${((result.cpuMicros * 1000) / result.spans / 1000).toFixed(2)} µs/span, received ${received.distinct}/${result.spans}`,
        );
      }
    }
  } finally {
    await receiver.close();
  }
  const row = (
    letter: string,
    oursRun: 'genai-otel' | 'unredacted',
    baselineRun: 'json' | 'protobuf',
    label: string,
  ): BenchRow => {
    const ours = median(perSpan[oursRun]);
    const ourDrops = Math.max(...drops[oursRun]);
    const baseline = median(perSpan[baselineRun]);
    return {
      figure: `4${letter} CPU per span created + exported, ${options.spans / 1000}k burst, ${oursRun === 'unredacted' ? 'GENAI_OTEL_REDACT=off, ' : ''}vs NodeSDK ${label}`,
      ours: `${(ours / 1000).toFixed(2)} µs, ${ourDrops} lost`,
      baseline: `${(baseline / 1000).toFixed(2)} µs, ${Math.max(...drops[baselineRun])} lost`,
      ratio: times(ours / baseline),
      target: '≤ 0.7x, 0 lost',
      met: ours / baseline <= 0.7 && ourDrops === 0,
    };
  };
  const floor = median(perSpan.discard);
  const protobuf = median(perSpan.protobuf);
  const ours = median(perSpan['genai-otel']);
  const floorRow: BenchRow = {
    figure:
      '4d the floor: NodeSDK creating + batching spans, exporter discards (no export at all), vs NodeSDK OTLP/protobuf',
    ours: `${(floor / 1000).toFixed(2)} µs`,
    baseline: `${(protobuf / 1000).toFixed(2)} µs`,
    ratio: times(floor / protobuf),
    target: `export part: genai-otel ${((ours - floor) / 1000).toFixed(2)} µs vs NodeSDK ${((protobuf - floor) / 1000).toFixed(2)} µs (${times((ours - floor) / (protobuf - floor))})`,
    met: undefined,
  };
  const modelCalls = median(perSpan['model-calls']);
  const modelCallDrops = Math.max(...drops['model-calls']);
  const modelCallsBaseline = median(perSpan['protobuf-model-calls']);
  // genai-otel does more than NodeSDK here (cost and metrics per call); the bar is that it still costs no more.
  const modelCallRow: BenchRow = {
    figure: `4e CPU per model-call span of another instrumentation, completed (cost, 4 metric records) + exported, ${options.spans / 1000}k burst, vs NodeSDK OTLP/protobuf exporting them`,
    ours: `${(modelCalls / 1000).toFixed(2)} µs, ${modelCallDrops} lost (+${((modelCalls - ours) / 1000).toFixed(2)} µs over 4b)`,
    baseline: `${(modelCallsBaseline / 1000).toFixed(2)} µs, ${Math.max(...drops['protobuf-model-calls'])} lost`,
    ratio: times(modelCalls / modelCallsBaseline),
    target: '≤ 1x, 0 lost',
    met: modelCalls / modelCallsBaseline <= 1 && modelCallDrops === 0,
  };
  return [
    row('a', 'genai-otel', 'json', 'OTLP/JSON'),
    row('b', 'genai-otel', 'protobuf', 'OTLP/protobuf'),
    row('c', 'unredacted', 'protobuf', 'OTLP/protobuf'),
    floorRow,
    modelCallRow,
  ];
}

/** Row 5: RSS during a collector outage at 2,000 spans/s, then what reached the collector once it was back. */
export async function outageRow(options: { seconds: number }): Promise<BenchRow> {
  const cwd = appFolder();
  const sides = ['genai-otel', 'nodesdk'] as const;
  const ports = { 'genai-otel': await closedPort(), nodesdk: await closedPort() };
  const receivers: RemoteReceiver[] = [];
  const services: Record<string, string> = {};
  // Both sides at once (2,000 spans/s is light), each against its own port, nothing listening for `seconds`.
  const results = sides.map((side) => {
    const { env, service } = appEnv(side, `http://127.0.0.1:${ports[side]}`, {
      BENCH_MODE: 'rate',
      BENCH_RATE: '2000',
      BENCH_SECONDS: String(options.seconds),
      BENCH_HOLD_MS: '2000',
      // Time for the final drain to send everything spooled once the collector is back.
      GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '60000',
    });
    services[side] = service;
    return runApp<{ spans: number; rssStartMb: number; rssPeakMb: number }>(
      side,
      env,
      cwd,
      (options.seconds + 120) * 1000,
    );
  });
  // The apps produce for `seconds` after a 0.5 s settling pause; the collector comes back then.
  const back = setTimeout(
    () => {
      for (const side of sides) void startRemoteReceiver(ports[side]).then((receiver) => receivers.push(receiver));
    },
    (options.seconds + 0.8) * 1000,
  );
  try {
    const [ours, theirs] = await Promise.all(results);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const received = Object.fromEntries(
      await Promise.all(
        sides.map(async (side, index) => [side, (await receivers[index]?.count(services[side]!))?.distinct ?? 0]),
      ),
    );
    // receivers[] is in start order; count each side on every receiver and keep the one that has it.
    for (const side of sides) {
      for (const receiver of receivers)
        received[side] = Math.max(received[side] as number, (await receiver.count(services[side]!)).distinct);
    }
    const growth = (result: { rssStartMb: number; rssPeakMb: number }) => result.rssPeakMb - result.rssStartMb;
    const lost = (side: 'genai-otel' | 'nodesdk', result: { spans: number }) =>
      result.spans - (received[side] as number);
    progress(
      `outage: genai-otel +${growth(ours!).toFixed(1)} MB, lost ${lost('genai-otel', ours!)}; NodeSDK +${growth(theirs!).toFixed(1)} MB, lost ${lost('nodesdk', theirs!)}`,
    );
    return {
      figure: `5  RSS growth during a ${options.seconds} s outage at 2,000 spans/s; spans lost`,
      ours: `+${growth(ours!).toFixed(1)} MB, ${lost('genai-otel', ours!)} of ${ours!.spans} lost`,
      baseline: `+${growth(theirs!).toFixed(1)} MB, ${lost('nodesdk', theirs!)} of ${theirs!.spans} lost`,
      ratio: '-',
      target: '< 50 MB, 0 lost',
      met: growth(ours!) < 50 && lost('genai-otel', ours!) === 0,
    };
  } finally {
    clearTimeout(back);
    await Promise.all(receivers.map((receiver) => receiver.close()));
  }
}

/**
 * Row 7: event-loop delay p99 while making and exporting 20k spans/s, against the same app without telemetry. Row 7L:
 * the same app writing to the local store (`OTEL_TRACES_EXPORTER=local`: rows made between the app's work, written by
 * the store's thread). Its bar, a millisecond, is for the store's own work on the event loop, which the store measures
 * (the longest hold, from the app's status file); the delay p99 also holds the garbage collector's pauses, which any
 * exporter's spans cause (the OTLP side's figure is beside it). Row 7m: genai-otel on model calls made by another
 * instrumentation, each completed (cost, four metric records) as it ends.
 */
export async function eventLoopRows(options: { rounds: number; seconds: number }): Promise<BenchRow[]> {
  const cwd = appFolder();
  const receiver = await startRemoteReceiver();
  type Run = Side | 'local' | 'model-calls';
  const runsOf: Run[] = ['none', 'genai-otel', 'nodesdk', 'local', 'model-calls'];
  const p99 = samplesOf(runsOf);
  const max = samplesOf(runsOf);
  let stored = 0;
  let made = 0;
  const holds: StoreHolds = { turns: 0, overOneMillisecond: 0, longestMillis: 0 };
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (let index = 0; index < runsOf.length; index++) {
        const run = runsOf[(index + round) % runsOf.length]!;
        const side: Side = run === 'local' || run === 'model-calls' ? 'genai-otel' : run;
        const folder = run === 'local' ? scratchFolder('local-store') : undefined;
        const { env } = appEnv(side, receiver.url, {
          BENCH_MODE: 'rate',
          BENCH_RATE: '20000',
          BENCH_SECONDS: String(options.seconds),
          BENCH_SPANS_OF: run === 'model-calls' ? 'model-call' : 'app',
          ...(folder === undefined ? {} : { OTEL_TRACES_EXPORTER: 'local', GENAI_OTEL_FILE_DIR: folder }),
        });
        const result = await runApp<{ delayP99Ms: number; delayMaxMs: number; spans: number }>(side, env, cwd);
        p99[run].push(result.delayP99Ms);
        max[run].push(result.delayMaxMs);
        if (folder !== undefined) {
          made += result.spans;
          stored += storedSpans(folder);
          const held = storeHolds(folder);
          holds.turns += held.turns;
          holds.overOneMillisecond += held.overOneMillisecond;
          holds.longestMillis = Math.max(holds.longestMillis, held.longestMillis);
          rmSync(folder, { recursive: true, force: true });
        }
        await receiver.reset();
      }
      progress(`event-loop delay round ${round + 1}/${options.rounds}`);
    }
  } finally {
    await receiver.close();
  }
  const none = median(p99.none);
  const added = median(p99['genai-otel']) - none;
  const addedBaseline = median(p99.nodesdk) - none;
  const addedLocal = median(p99.local) - none;
  const addedModelCalls = median(p99['model-calls']) - none;
  return [
    {
      figure: '7  event-loop delay p99 added at 20k spans/s',
      ours: `+${ms(added)} (p99 ${ms(median(p99['genai-otel']))})`,
      baseline: `no telemetry p99 ${ms(none)}; NodeSDK +${ms(addedBaseline)}`,
      ratio: '-',
      target: '< 2 ms',
      met: added < 2,
    },
    {
      figure: '7m event-loop delay p99 added at 20k model-call spans/s of another instrumentation, each completed',
      ours: `+${ms(addedModelCalls)} (p99 ${ms(median(p99['model-calls']))})`,
      baseline: `app spans +${ms(added)} (row 7)`,
      ratio: '-',
      target: '- (200 model calls ending in each 10 ms tick)',
      met: undefined,
    },
    {
      figure: '7L local store at 20k spans/s: its turns on the event loop over 1 ms; delay p99 added',
      ours: `${holds.overOneMillisecond} of ${holds.turns} (${percentOf(holds.overOneMillisecond, holds.turns)}), longest ${holds.longestMillis.toFixed(2)} ms; p99 +${ms(addedLocal)} (${ms(median(p99.local))}), max ${ms(median(max.local))}; ${stored} of ${made} spans stored`,
      baseline: `p99 with OTLP export +${ms(added)}; no telemetry p99 ${ms(none)}, max ${ms(median(max.none))}`,
      ratio: '-',
      target: '< 1 % of turns over 1 ms, every span stored',
      met: holds.overOneMillisecond < holds.turns / 100 && stored === made,
    },
  ];
}

const percentOf = (part: number, whole: number) => `${((part / Math.max(1, whole)) * 100).toFixed(1)} %`;

/**
 * How long the local store's work held the app's event loop, turn by turn (turning spans into rows and posting them to
 * the store's thread), as the app's status file says: the store's own measure.
 */
function storeHolds(folder: string): StoreHolds {
  const held = readFolderStatuses(folder)
    .map((entry) => entry.status.store?.eventLoop)
    .find((eventLoop) => eventLoop !== undefined);
  if (held === undefined) throw new Error(`no status file with the store's event-loop holds in ${folder}`);
  return held;
}

/** Spans in the local store of `folder` (read after the app has exited and flushed). */
function storedSpans(folder: string): number {
  const db = new DatabaseSync(join(folder, 'telemetry.db'), { readOnly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS spans FROM spans').get() as { spans: number }).spans);
  } finally {
    db.close();
  }
}

/** Request path: the awaited call's latency does not depend on the exporter (fast, hanging, or absent collector). */
export async function requestPathRow(options: { rounds: number; seconds: number }): Promise<BenchRow> {
  const cwd = appFolder();
  const fast = await startRemoteReceiver();
  const hanging = await startRemoteReceiver();
  await hanging.behave({ hang: true });
  const down = `http://127.0.0.1:${await closedPort()}`;
  const targets = { fast: fast.url, hanging: hanging.url, down } as const;
  const samples: Record<keyof typeof targets, { p99: number[]; max: number[] }> = {
    fast: { p99: [], max: [] },
    hanging: { p99: [], max: [] },
    down: { p99: [], max: [] },
  };
  const kinds = Object.keys(targets) as (keyof typeof targets)[];
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (let index = 0; index < kinds.length; index++) {
        const kind = kinds[(index + round) % kinds.length]!;
        const { env } = appEnv('genai-otel', targets[kind], {
          BENCH_MODE: 'latency',
          BENCH_RATE: '2000',
          BENCH_SECONDS: String(options.seconds),
          OTEL_BSP_SCHEDULE_DELAY: '200',
          GENAI_OTEL_SHUTDOWN_TIMEOUT_MS: '1000',
        });
        const result = await runApp<{ p99Ms: number; maxMs: number }>('genai-otel', env, cwd);
        samples[kind].p99.push(result.p99Ms);
        samples[kind].max.push(result.maxMs);
      }
      progress(`request path round ${round + 1}/${options.rounds}`);
    }
  } finally {
    await Promise.all([fast.close(), hanging.close()]);
  }
  const p99 = (kind: keyof typeof targets) => median(samples[kind].p99);
  const worst = Math.max(p99('hanging'), p99('down'));
  return {
    figure: 'R  awaited withLLMCall latency p99: collector fast vs hanging vs down',
    ours: `hanging ${ms(p99('hanging'))}, down ${ms(p99('down'))} (max ${ms(median(samples.hanging.max))} / ${ms(median(samples.down.max))})`,
    baseline: `fast ${ms(p99('fast'))} (max ${ms(median(samples.fast.max))})`,
    ratio: times(worst / p99('fast')),
    target: 'same as fast (≤ 1.25x)',
    met: worst / p99('fast') <= 1.25,
  };
}
