// `genai-otel doctor`: is this machine set up to send telemetry, and where does it go? Each check says what to fix.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { resolveBackendUrls, resolveConfig } from '../../config/resolve.ts';
import { printableUrl } from '../../config/printable.ts';
import type { GenAIOtelConfig, InstrumentationName, OtlpSignalConfig } from '../../config/config-types.ts';
import { sendOtlp } from '../../export/http-sender.ts';
import { formatConfigProblem } from '../../core/diagnostics.ts';
import { findApplicationPackage } from '../../core/application-package.ts';
import { VERSION } from '../../version.ts';
import { count } from '../render/format.ts';
import { styleFor } from '../render/style.ts';
import { signalFiles } from '../telemetry/files.ts';
import { withoutCredentials } from '../telemetry/url-credentials.ts';
import { terminalOutput, terminalSafe } from '../render/terminal-text.ts';
import type { Check, CheckStatus } from './doctor-check.ts';
import { checkSpool } from './doctor-spool.ts';
import { checkStore } from './doctor-store.ts';
import { processLabel, readFolderStatuses } from './folder-statuses.ts';
import { NEST12_MAJOR } from '../../instrumentations/nest-core-12.ts';

export type { Check, CheckStatus } from './doctor-check.ts';

export interface DoctorOptions {
  json?: boolean;
  color?: boolean;
  timeout: number;
}

const MINIMUM_NODE = [22, 15] as const;

/** Client libraries traced automatically, with the major versions tested (README, "Automatic instrumentation"). */
const LIBRARIES: { name: string; majors: number[]; since?: string; entry?: string }[] = [
  { name: 'openai', majors: [4, 5, 6, 7] },
  { name: '@anthropic-ai/sdk', majors: [0, 1] },
  { name: '@google/genai', majors: [3] },
  { name: '@aws-sdk/client-bedrock-runtime', majors: [3] },
  { name: '@mistralai/mistralai', majors: [2] },
  { name: 'cohere-ai', majors: [8] },
  { name: 'ollama', majors: [0] },
  { name: 'groq-sdk', majors: [1] },
  { name: 'ai', majors: [6, 7] },
  { name: '@langchain/core', majors: [1] },
  // Its main entry is missing from its 1.x packages: the module the instrumentation hooks is looked up instead.
  { name: '@modelcontextprotocol/sdk', majors: [1], entry: '@modelcontextprotocol/sdk/shared/protocol.js' },
  // The SDK's 2.x: two packages.
  { name: '@modelcontextprotocol/client', majors: [2] },
  { name: '@modelcontextprotocol/server', majors: [2] },
  { name: '@openai/agents', majors: [0] },
  { name: '@mastra/core', majors: [1] },
];

/** The provider clients' packages and the GENAI_OTEL_INSTRUMENTATIONS name of each one's instrumentation. */
const PROVIDER_INSTRUMENTATIONS: Record<string, InstrumentationName> = {
  '@google/genai': 'google-genai',
  '@aws-sdk/client-bedrock-runtime': 'bedrock',
  '@mistralai/mistralai': 'mistral',
  'cohere-ai': 'cohere',
  ollama: 'ollama',
  'groq-sdk': 'groq',
};

/** Whether this Node.js can run the SDK. @example checkNode(process.versions.node).status // 'ok' */
export function checkNode(version: string): Check {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor >= MINIMUM_NODE[1]);
  return ok
    ? { name: 'Node.js', status: 'ok', detail: `v${version}` }
    : {
        name: 'Node.js',
        status: 'fail',
        detail: `v${version} is older than ${MINIMUM_NODE.join('.')}, which the OpenTelemetry SDK needs`,
        fix: 'install Node.js 22.15 or newer (nvm install 22, or the node@22 npm package)',
      };
}

/** The version of a package installed for the application in `cwd`, if any. */
export function installedVersion(name: string, cwd: string, specifier = name): string | undefined {
  let entry: string;
  try {
    entry = createRequire(join(cwd, 'package.json')).resolve(specifier);
  } catch {
    return undefined;
  }
  // Some packages do not export their package.json: walk up from the entry file.
  for (let directory = dirname(entry); directory !== dirname(directory); directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === name) return parsed.version;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What the automatic instrumentation does for one installed library, as the preload decides it. */
function libraryCheck(name: string, version: string, cwd: string, config: GenAIOtelConfig): Check {
  const major = Number(version.split('.')[0]);
  const turnedOff: Check = {
    name,
    status: 'info',
    detail: `${version}, installed but turned off by GENAI_OTEL_INSTRUMENTATIONS`,
  };
  if (name === '@langchain/core' && !config.instrumentations.includes('langchain'))
    return {
      name,
      status: 'info',
      detail: `${version}, turned off by GENAI_OTEL_INSTRUMENTATIONS: traced when you pass GenAICallbackHandler`,
    };
  if (name === 'openai' && !config.instrumentations.includes('openai')) return turnedOff;
  if (name === '@anthropic-ai/sdk' && !config.instrumentations.includes('anthropic')) return turnedOff;
  if (name.startsWith('@modelcontextprotocol/') && !config.instrumentations.includes('mcp')) return turnedOff;
  if (name === '@openai/agents' && !config.instrumentations.includes('openai-agents')) return turnedOff;
  if (name === '@mastra/core') return mastraCheck(version, cwd, config);
  const provider = PROVIDER_INSTRUMENTATIONS[name];
  if (provider !== undefined && !config.instrumentations.includes(provider)) return turnedOff;
  if (name === 'ai') {
    if (!config.instrumentations.includes('ai-sdk')) return turnedOff;
    if (major <= 6)
      return {
        name,
        status: 'info',
        detail: `${version}, traced per call: pass experimental_telemetry: { isEnabled: true } (genai-otel adds cost and metrics)`,
      };
    const otel = installedVersion('@ai-sdk/otel', cwd);
    if (otel === undefined)
      return {
        name,
        status: 'warn',
        detail: `${version}: no spans, @ai-sdk/otel is not installed`,
        fix: 'npm install @ai-sdk/otel (genai-otel registers its integration; no code needed)',
      };
    return { name, status: 'ok', detail: `${version}, traced automatically (through @ai-sdk/otel ${otel})` };
  }
  return { name, status: 'ok', detail: `${version}, traced automatically` };
}

/** Mastra makes spans only through its OTel bridge, which the preload configures when both packages are there. */
function mastraCheck(version: string, cwd: string, config: GenAIOtelConfig): Check {
  const name = '@mastra/core';
  if (!config.instrumentations.includes('mastra'))
    return { name, status: 'info', detail: `${version}, installed but turned off by GENAI_OTEL_INSTRUMENTATIONS` };
  const missing = ['@mastra/observability', '@mastra/otel-bridge'].filter(
    (needed) => installedVersion(needed, cwd) === undefined,
  );
  if (missing.length > 0)
    return {
      name,
      status: 'warn',
      detail: `${version}: no spans, ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed`,
      fix: `npm install ${missing.join(' ')} (genai-otel configures Mastra's OTel bridge; no code needed)`,
    };
  return {
    name,
    status: 'ok',
    detail: `${version}, traced automatically (through @mastra/otel-bridge ${installedVersion('@mastra/otel-bridge', cwd)}) where your Mastra configures no observability of its own`,
  };
}

/**
 * One check per client library installed for the application in `cwd`: traced automatically, what it needs, or off.
 *
 * @example
 * checkLibraries('/app', config); // [{ name: 'ai', status: 'ok', detail: '7.0.173, traced automatically (through @ai-sdk/otel 1.0.173)' }]
 */
const NEXT_CONFIG_FILES = ['next.config.ts', 'next.config.mts', 'next.config.mjs', 'next.config.js', 'next.config.cjs'];
const INSTRUMENTATION_FILES = [
  'instrumentation.ts',
  'instrumentation.js',
  'src/instrumentation.ts',
  'src/instrumentation.js',
];

interface NextJsSetup {
  version: string;
  configFile: string | undefined;
  /** next.config wraps its configuration in withGenAIOtel: the LLM clients stay external, where they are patched. */
  wrapped: boolean;
  instrumentationFile: string | undefined;
}

function nextJsSetup(cwd: string): NextJsSetup | undefined {
  const version = installedVersion('next', cwd);
  if (version === undefined) return undefined;
  const configFile = NEXT_CONFIG_FILES.find((file) => existsSync(join(cwd, file)));
  let wrapped = false;
  try {
    wrapped = configFile !== undefined && readFileSync(join(cwd, configFile), 'utf8').includes('withGenAIOtel');
  } catch {
    // An unreadable config counts as not wrapped: the check says what to add.
  }
  return {
    version,
    configFile,
    wrapped,
    instrumentationFile: INSTRUMENTATION_FILES.find((file) => existsSync(join(cwd, file))),
  };
}

/**
 * For a Next.js app: whether next.config uses withGenAIOtel (without it, Next.js bundles the LLM clients, where no
 * patch reaches them) and whether an instrumentation file is there to start genai-otel. Undefined without `next`.
 *
 * @example
 * checkNextJs('/app')?.status; // 'warn' when next.config lacks withGenAIOtel
 */
export function checkNextJs(cwd: string): Check | undefined {
  const setup = nextJsSetup(cwd);
  if (setup === undefined) return undefined;
  const fix =
    'add the two files of the README\'s "Next.js" section (next.config with withGenAIOtel, instrumentation.ts)';
  if (!setup.wrapped)
    return {
      name: 'Next.js',
      status: 'warn',
      detail: `${setup.version}: ${setup.configFile ?? 'next.config'} does not use withGenAIOtel: Next.js bundles the LLM clients and they are not traced`,
      fix,
    };
  if (setup.instrumentationFile === undefined)
    return {
      name: 'Next.js',
      status: 'warn',
      detail: `${setup.version}: no instrumentation file starts genai-otel`,
      fix,
    };
  return {
    name: 'Next.js',
    status: 'ok',
    detail: `${setup.version}: ${setup.configFile} uses withGenAIOtel, ${setup.instrumentationFile} is there`,
  };
}

export function checkLibraries(cwd: string, config: GenAIOtelConfig): Check[] {
  const checks: Check[] = [];
  const next = checkNextJs(cwd);
  if (next !== undefined) checks.push(next);
  const bundledByNext = nextJsSetup(cwd)?.wrapped === false;
  for (const library of LIBRARIES) {
    const version = installedVersion(library.name, cwd, library.entry);
    if (version === undefined) continue;
    const major = Number(version.split('.')[0]);
    if (!library.majors.includes(major)) {
      checks.push({
        name: library.name,
        status: 'warn',
        detail: `${version} is a version genai-otel is not tested with (${library.majors.map((m) => `${m}.x`).join(', ')})`,
        fix: 'traces may miss attributes; check the README\'s "Automatic instrumentation" table',
      });
    } else {
      const check = libraryCheck(library.name, version, cwd, config);
      // Only patched copies are traced: Next.js bundles this library unless withGenAIOtel keeps it external.
      if (bundledByNext && check.status === 'ok' && library.name !== 'ai')
        checks.push({
          name: library.name,
          status: 'warn',
          detail: `${version}, bundled by Next.js: not traced automatically`,
          fix: 'use withGenAIOtel in next.config (README, Next.js), or instrument(client)',
        });
      else checks.push(check);
    }
  }
  const clientChecks = checks.length;
  const nest = checkNestJs(cwd, config);
  if (nest !== undefined) checks.push(nest);
  if (clientChecks === (next === undefined ? 0 : 1))
    checks.push({
      name: 'LLM client libraries',
      status: 'info',
      detail:
        'none of the client libraries genai-otel traces (openai, @anthropic-ai/sdk, @google/genai, Bedrock Runtime, Mistral, Cohere, Ollama, Groq, ai, @langchain/core, @modelcontextprotocol/sdk (or /client, /server), @openai/agents, @mastra/core) is installed here: use the helpers (withLLMCall, ...)',
    });
  return checks;
}

/**
 * Who traces the app's NestJS controllers: the official instrumentation (Nest 4 to 11), genai-otel itself (Nest 12,
 * ES modules only, which the official one does not cover yet), or no one (a newer major). Undefined without Nest.
 *
 * @example
 * checkNestJs('/app', config)?.detail; // '12.6.3, traced automatically (by genai-otel: the official instrumentation stops before 12)'
 */
export function checkNestJs(cwd: string, config: GenAIOtelConfig): Check | undefined {
  const name = '@nestjs/core';
  const version = installedVersion(name, cwd);
  if (version === undefined) return undefined;
  if (!config.instrumentations.includes('nestjs'))
    return { name, status: 'info', detail: `${version}, installed but turned off by GENAI_OTEL_INSTRUMENTATIONS` };
  const major = Number(version.split('.')[0]);
  if (major === NEST12_MAJOR)
    return {
      name,
      status: 'ok',
      detail: `${version}, traced automatically (by genai-otel: the official instrumentation stops before 12)`,
    };
  if (major >= 4 && major < NEST12_MAJOR)
    return {
      name,
      status: 'ok',
      detail: `${version}, traced automatically (@opentelemetry/instrumentation-nestjs-core)`,
    };
  return {
    name,
    status: 'warn',
    detail: `${version}: controllers not traced (genai-otel traces Nest 4 to ${NEST12_MAJOR}); HTTP and the Express or Fastify spans still are`,
    fix: 'check the README\'s "HTTP servers" table',
  };
}

/**
 * Whether the OTLP/HTTP endpoint takes an empty export request, sent as the exporter sends it (the same sender: the
 * URL's `user:password@` as Basic auth, the OTEL_EXPORTER_OTLP_*HEADERS, the protocol and compression).
 */
async function probeOtlp(
  otlp: OtlpSignalConfig,
  timeoutMillis: number,
): Promise<{ reachable: boolean; accepted?: boolean; status?: number; reason?: string }> {
  const json = otlp.protocol === 'http/json';
  const outcome = await sendOtlp(json ? new TextEncoder().encode('{}') : new Uint8Array(0), {
    url: otlp.url,
    contentType: json ? 'application/json' : 'application/x-protobuf',
    headers: otlp.headers,
    compression: otlp.compression,
    timeoutMillis,
  });
  if (outcome.status === 'success') return { reachable: true, accepted: true };
  const status = /^HTTP (\d{3})\b/.exec(outcome.reason);
  return status === null
    ? { reachable: false, reason: outcome.reason }
    : { reachable: true, status: Number(status[1]) };
}

async function probeGet(url: string, timeoutMillis: number): Promise<boolean> {
  try {
    const target = withoutCredentials(url);
    const response = await fetch(target.url, { headers: target.headers, signal: AbortSignal.timeout(timeoutMillis) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function checkFiles(config: GenAIOtelConfig): Check[] {
  const directory = resolve(config.file.directory);
  const used = [config.traces, config.metrics, config.logs].some((signal) => signal.exporters.includes('file'));
  const files = (['traces', 'metrics', 'logs'] as const).flatMap((signal) => signalFiles(directory, signal));
  if (files.length === 0)
    return used ? [{ name: 'local files', status: 'info', detail: `${directory}: none written yet` }] : [];
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  const newest = files.reduce((latest, file) => Math.max(latest, statSync(file).mtimeMs), 0);
  const checks: Check[] = [
    {
      name: 'local files',
      status: 'ok',
      detail: `${directory}: ${files.length} files, ${count(bytes)} bytes, last written ${new Date(newest).toISOString()} (genai-otel traces --source files)`,
    },
  ];
  const dropped = fileDrops(directory);
  if (dropped !== undefined)
    checks.push({
      name: 'dropped telemetry (local files)',
      status: 'warn',
      detail: dropped,
      fix: 'see the diagnostics on stderr of the app; raise OTEL_BSP_MAX_QUEUE_SIZE if the queue was full, or free disk space',
    });
  return checks;
}

/** What the processes writing the local files counted as dropped (their status files), added up; undefined when nothing. */
function fileDrops(directory: string): string | undefined {
  const totals = new Map<string, number>();
  const who: string[] = [];
  for (const entry of readFolderStatuses(directory)) {
    const dropped = Object.entries(entry.status.signals ?? {}).filter(([, counts]) => (counts?.dropped ?? 0) > 0);
    if (dropped.length === 0) continue;
    for (const [signal, counts] of dropped)
      totals.set(signal, (totals.get(signal) ?? 0) + (Number(counts.dropped) || 0));
    who.push(
      `${processLabel(entry)}: ${dropped.map(([signal, counts]) => `${signal} ${count(counts.dropped ?? 0)}`).join(', ')}`,
    );
  }
  if (totals.size === 0) return undefined;
  const list = [...totals].map(([signal, dropped]) => `${signal} ${count(dropped)}`).join(', ');
  const shown = who.length > 8 ? [...who.slice(-8), `${who.length - 8} more`] : who;
  return `${list} (${shown.join('; ')})`;
}

/** The scheme, host and port of a printable URL: three signals refused by one collector are one line. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * Runs every check against the environment of this process (the same variables the preload reads).
 *
 * @example
 * const checks = await runChecks(2000);
 */
export async function runChecks(
  timeoutMillis: number,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<Check[]> {
  const { config, problems } = resolveConfig(env);
  const backends = resolveBackendUrls(env);
  const serviceName = config.serviceName ?? findApplicationPackage(undefined, cwd).name ?? 'unknown_service';
  const checks: Check[] = [
    checkNode(process.versions.node),
    {
      name: 'genai-otel',
      status: 'info',
      detail: `${VERSION}, service "${serviceName}"${config.serviceName === undefined ? ' (from package.json; set OTEL_SERVICE_NAME to choose)' : ''}`,
    },
  ];

  if (problems.length === 0)
    checks.push({ name: 'configuration', status: 'ok', detail: 'every OTEL_* and GENAI_OTEL_* variable is valid' });
  for (const problem of [...problems, ...backends.problems])
    checks.push({
      name: 'configuration',
      status: 'fail',
      detail: formatConfigProblem(problem),
      fix: `fix or unset ${problem.variable} (the default is used meanwhile)`,
    });
  if (config.disabled)
    checks.push({
      name: 'telemetry',
      status: 'warn',
      detail: 'OTEL_SDK_DISABLED=true: nothing is recorded',
      fix: 'unset OTEL_SDK_DISABLED',
    });
  const exporters = (['traces', 'metrics', 'logs'] as const)
    .map((signal) => `${signal}: ${config[signal].exporters.join('+') || 'none'}`)
    .join(', ');
  checks.push({
    name: 'exporters',
    status: 'info',
    detail: `${exporters}; content capture ${config.genai.captureContent === 'none' ? 'off' : config.genai.captureContent}; sampler ${config.traces.sampler}${config.traces.sampler.includes('ratio') ? ` ${config.traces.samplerRatio}` : ''}`,
  });

  const otlpSignals = (['traces', 'metrics', 'logs'] as const).filter((signal) =>
    config[signal].exporters.includes('otlp'),
  );
  const otlpCheck = async (signal: (typeof otlpSignals)[number]) => {
    const url = printableUrl(config[signal].otlp.url);
    const probe = await probeOtlp(config[signal].otlp, timeoutMillis);
    if (!probe.reachable) {
      return {
        signal,
        url,
        key: `${originOf(url)} down`,
        check: {
          name: 'OTLP endpoint',
          status: 'fail',
          detail: `nothing answers (${probe.reason})`,
          fix: `start a collector (docker compose up -d, or npm run stack -- up) or set OTEL_EXPORTER_OTLP_ENDPOINT; meanwhile telemetry is ${config.spool.enabled ? 'spooled to disk' : 'dropped'}`,
        } as Check,
      };
    }
    if (probe.accepted === true)
      return {
        signal,
        url,
        key: `${originOf(url)} ok`,
        check: {
          name: 'OTLP endpoint',
          status: 'ok',
          detail: 'accepts OTLP (an empty export request, sent as the exporter sends it)',
        } as Check,
      };
    const hint =
      probe.status === 401 || probe.status === 403
        ? 'check the credentials in OTEL_EXPORTER_OTLP_HEADERS (or the user:password of the endpoint URL)'
        : probe.status === 404
          ? 'the URL has no OTLP receiver: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL (no /v1/traces), the signal variables are full URLs'
          : "check the collector's logs";
    return {
      signal,
      url,
      key: `${url} ${probe.status}`,
      check: {
        name: 'OTLP endpoint',
        status: 'fail',
        detail: `answers HTTP ${probe.status} to an empty OTLP request`,
        fix: hint,
      } as Check,
    };
  };
  /** One line per outcome and host: three signals refused by the same collector are one problem. */
  const otlpChecks = Promise.all(otlpSignals.map(otlpCheck)).then((results) => {
    const groups = new Map<string, typeof results>();
    for (const result of results) groups.set(result.key, [...(groups.get(result.key) ?? []), result]);
    return [...groups.values()].map((group) => {
      const first = group[0]!;
      const where =
        group.length === 1 ? first.url : `${originOf(first.url)} (${group.map((result) => result.signal).join(', ')})`;
      return { ...first.check, detail: `${where}: ${first.check.detail}` };
    });
  });
  const jaegerUrl = printableUrl(backends.urls.jaegerUrl);
  const prometheusUrl = printableUrl(backends.urls.prometheusUrl);
  const probes = await Promise.all([
    probeGet(`${backends.urls.jaegerUrl.replace(/\/+$/, '')}/api/v3/services`, timeoutMillis).then((ok): Check =>
      ok
        ? { name: 'Jaeger', status: 'ok', detail: `${jaegerUrl} (genai-otel traces reads it)` }
        : {
            name: 'Jaeger',
            status: 'info',
            detail: `${jaegerUrl} does not answer: the CLI reads the local files (set GENAI_OTEL_JAEGER_URL if Jaeger runs elsewhere)`,
          },
    ),
    probeGet(`${backends.urls.prometheusUrl.replace(/\/+$/, '')}/-/ready`, timeoutMillis).then((ok): Check =>
      ok
        ? { name: 'Prometheus', status: 'ok', detail: `${prometheusUrl} (genai-otel report reads it)` }
        : {
            name: 'Prometheus',
            status: 'info',
            detail: `${prometheusUrl} does not answer: genai-otel report reads the local files (set GENAI_OTEL_PROMETHEUS_URL if Prometheus runs elsewhere)`,
          },
    ),
  ]);
  return checks.concat(
    await otlpChecks,
    probes,
    otlpSignals.length > 0 ? checkSpool(config, serviceName) : [],
    checkFiles(config),
    checkStore(config),
    checkLibraries(cwd, config),
  );
}

/** `genai-otel doctor`: prints the checks; resolves with 1 when one failed. @example process.exitCode = await runDoctor({ timeout: 2000 }); */
export async function runDoctor(options: DoctorOptions): Promise<number> {
  const checks = await runChecks(options.timeout);
  if (options.json === true) {
    process.stdout.write(`${terminalOutput(JSON.stringify(checks, null, 2))}\n`);
  } else {
    const style = styleFor(process.stdout, options.color);
    const marks: Record<CheckStatus, string> = {
      ok: style.green('ok  '),
      warn: style.yellow('warn'),
      fail: style.red('FAIL'),
      info: style.dim('info'),
    };
    for (const check of checks) {
      process.stdout.write(`${marks[check.status]}  ${style.bold(check.name)}: ${terminalSafe(check.detail)}\n`);
      if (check.fix !== undefined) process.stdout.write(`      ${style.cyan('fix:')} ${terminalSafe(check.fix)}\n`);
    }
    const failed = checks.filter((check) => check.status === 'fail').length;
    const warned = checks.filter((check) => check.status === 'warn').length;
    process.stdout.write(
      `\n${failed === 0 ? style.green('no problem found') : style.red(`${failed} problem${failed === 1 ? '' : 's'} to fix`)}${warned > 0 ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}\n`,
    );
  }
  return checks.some((check) => check.status === 'fail') ? 1 : 0;
}
