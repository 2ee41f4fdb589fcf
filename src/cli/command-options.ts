// What every command shares: where to read from, which window, how to print.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { resolveBackendUrls, resolveConfig } from '../config/resolve.ts';
import { createIdentityHasher } from '../privacy/identity-hash.ts';
import { formatConfigProblem } from '../core/diagnostics.ts';
import { parseDuration } from './duration.ts';
import { progressOn, type Progress } from './render/progress.ts';
import { styleFor, type Style } from './render/style.ts';
import type { SourceChoice, SourceSettings } from './telemetry/source.ts';
import { terminalOutput, terminalSafe } from './render/terminal-text.ts';

export interface CommonOptions {
  source?: string;
  dir?: string;
  jaeger?: string;
  prometheus?: string;
  logsFile?: string[];
  service?: string;
  since: number;
  json?: boolean;
  color?: boolean;
}

/** What a command runs with, built once from its options and the environment. */
export interface CommandContext {
  options: CommonOptions;
  sources: SourceSettings;
  prometheusUrl: string;
  sinceMillis: number;
  untilMillis: number;
  style: Style;
  progress: Progress;
  /** An id as given, and as exported when GENAI_OTEL_USER_ID_HMAC_KEY hashes ids: `--session` finds either. */
  identityForms: (id: string) => string[];
  out: (line?: string) => void;
  /** Notes for people (which source, what is missing) go to stderr, so stdout stays data. */
  note: (line: string) => void;
}

const durationArgument = (value: string): number => {
  const millis = parseDuration(value);
  if (millis === undefined) throw new InvalidArgumentError('expected a duration such as 30m, 24h or 7d');
  return millis;
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the options of commands that read telemetry. */
export function withSourceOptions(
  command: Command,
  sources: readonly string[] = ['auto', 'store', 'jaeger', 'files'],
  autoMeans = 'the local store when it holds spans, else Jaeger when it answers, else the local files',
): Command {
  return command
    .addOption(
      new Option('--source <source>', `where to read: auto takes ${autoMeans}`).choices([...sources]).default('auto'),
    )
    .option('--dir <path>', 'folder of the local store and files (default: GENAI_OTEL_FILE_DIR, else .genai-otel)')
    .option('--jaeger <url>', 'Jaeger query URL (default: GENAI_OTEL_JAEGER_URL, else http://localhost:16686)')
    .option(
      '--logs-file <path>',
      "OTLP/JSON log file to read next to Jaeger, e.g. the collector's (repeatable)",
      collect,
    )
    .option('--service <name>', 'only this service (service.name)')
    .addOption(
      new Option('--since <duration>', 'how far back to look: 30m, 24h, 7d')
        .argParser(durationArgument)
        .default(86_400_000, '24h'),
    );
}

/** Adds `--json`, `--color` and `--no-color`. @example withOutputOptions(program.command('traces')) */
export function withOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print JSON instead of text')
    .option('--color', 'colour even when not on a terminal')
    .option('--no-color', 'never colour');
}

/** Builds the context of a command; configuration problems are reported on stderr, never fatal. */
export function contextOf(options: CommonOptions): CommandContext {
  const { config, problems } = resolveConfig(process.env);
  const backends = resolveBackendUrls(process.env);
  for (const problem of [...problems, ...backends.problems])
    process.stderr.write(`genai-otel: ${terminalSafe(formatConfigProblem(problem))}\n`);
  const untilMillis = Date.now();
  const style = styleFor(process.stdout, options.color);
  const noteStyle = styleFor(process.stderr, options.color);
  return {
    options,
    sources: {
      source: (options.source ?? 'auto') as SourceChoice,
      jaegerUrl: options.jaeger ?? backends.urls.jaegerUrl,
      fileDirectory: options.dir ?? config.file.directory,
      logsFiles: options.logsFile ?? [],
    },
    prometheusUrl: options.prometheus ?? backends.urls.prometheusUrl,
    sinceMillis: untilMillis - options.since,
    untilMillis,
    style,
    progress: progressOn(process.stderr),
    identityForms:
      config.privacy.identity.mode === 'hash'
        ? ((hash) => (id: string) => [id, hash(id)])(createIdentityHasher(config.privacy.identity.key))
        : (id) => [id],
    // Every line goes through the terminal guard: renderers escape telemetry, this keeps anything else from a terminal.
    out: (line = '') => process.stdout.write(`${terminalOutput(line)}\n`),
    note: (line) => process.stderr.write(`${noteStyle.dim(terminalSafe(line))}\n`),
  };
}
