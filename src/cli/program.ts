// The commands of `genai-otel`. Each command's code is imported only when that command runs, so `--help` and quick
// commands start fast; nothing here is loaded by the preload.
import { Command, InvalidArgumentError, Option } from 'commander';
import { VERSION } from '../version.ts';
import { withOutputOptions, withSourceOptions } from './command-options.ts';
import { terminalSafe } from './render/terminal-text.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a whole number above 0');
  return parsed;
};

/** Runs a command and turns its result or error into the exit code; errors are one line on stderr. */
function action<T>(load: () => Promise<(options: T) => Promise<number>>) {
  return async (options: T) => {
    try {
      const run = await load();
      process.exitCode = await run(options);
    } catch (error) {
      // Error messages may quote a server's answer (Jaeger, Prometheus): shown, never obeyed.
      process.stderr.write(`genai-otel: ${terminalSafe(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 1;
    }
  };
}

/**
 * The command-line program, ready to parse `process.argv`.
 *
 * @example
 * await createProgram().parseAsync(process.argv);
 */
export function createProgram(): Command {
  const program = new Command('genai-otel')
    .description(
      'Look at what your LLM app did: traces, a cost and latency report, sessions, exports, and a set-up check.\nReads Jaeger and Prometheus when the bundled stack runs, else the local files of the file exporter.',
    )
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false });

  withOutputOptions(
    withSourceOptions(
      program
        .command('traces')
        .description(
          'show recent traces as trees of spans: LLM calls with tokens, cost and retries, tools, memory, errors',
        )
        .option('--trace <id>', 'show this trace only (32 hex digits)')
        .option('--session <id>', 'show every trace of this session (session.id), oldest first')
        .option('--limit <n>', 'how many of the most recent traces', positiveInteger, 5),
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  genai-otel traces                       the 5 most recent traces\n  genai-otel traces --session session-bob-1\n  genai-otel traces --trace 4bf92f3577b34da6a3ce929d0e0e4736 --json',
    )
    .action(action(async () => (await import('./commands/traces.ts')).runTraces));

  withOutputOptions(
    withSourceOptions(
      program
        .command('report')
        .description(
          'the dashboard: requests, error rate, p50/p95/p99 latency, tokens, cost by model and by hour, tool failures, retries, likes',
        )
        .option('--prometheus <url>', 'Prometheus URL (default: GENAI_OTEL_PROMETHEUS_URL, else http://localhost:9090)')
        .option('--html <file>', 'write the report as a static HTML page'),
      ['auto', 'prometheus', 'store', 'jaeger', 'files'],
      'Prometheus when it answers, else the local store when it holds spans, else the local files',
    ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  genai-otel report --since 7d\n  genai-otel report --json | jq .costUsd\n  genai-otel report --html report.html',
    )
    .action(action(async () => (await import('./commands/report.ts')).runReport));

  withOutputOptions(
    withSourceOptions(
      program
        .command('sessions')
        .description('the session table: duration, messages, likes, response times, edits and retries per session.id')
        .option('--limit <n>', 'most traces read per service from Jaeger', positiveInteger, 500),
    ),
  )
    .addHelpText(
      'after',
      '\nJaeger keeps no log records: likes and dislikes come from --logs-file (the bundled\ncollector writes them to .stack/run/collector/logs/genai-logs.jsonl, read by default when present).',
    )
    .action(action(async () => (await import('./commands/sessions.ts')).runSessions));

  withSourceOptions(
    program
      .command('export')
      .description('write spans, log records or the session table as CSV or JSON lines')
      .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
      .addOption(new Option('--what <data>', 'what to export').choices(['spans', 'logs', 'sessions']).default('spans'))
      .option('-o, --output <file>', 'write to a file instead of stdout')
      .option('--limit <n>', 'most traces read per service from Jaeger', positiveInteger, 1000),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  genai-otel export --format csv > spans.csv\n  genai-otel export --format jsonl --what sessions --since 7d',
    )
    .action(action(async () => (await import('./commands/export.ts')).runExport));

  program
    .command('import')
    .description("load OTLP/JSON lines files (the file exporter's or the Collector's) into the local store")
    .argument('<files...>', 'OTLP/JSON lines files')
    .option('--dir <path>', 'folder of the local store (default: GENAI_OTEL_FILE_DIR, else .genai-otel)')
    .addHelpText(
      'after',
      '\nExamples:\n  genai-otel import .genai-otel/traces.jsonl .genai-otel/logs.jsonl\n  genai-otel import collector/traces.json --dir ./store',
    )
    .action(async (files: string[], options: { dir?: string }) =>
      action(async () => (await import('./commands/import.ts')).runImport)({ ...options, files }),
    );

  withOutputOptions(
    program
      .command('doctor')
      .description(
        'check the configuration, the collector, Jaeger and Prometheus, Node and library versions, and the spool; say what to fix',
      )
      .option('--timeout <ms>', 'how long to wait for each endpoint', positiveInteger, 2000),
  )
    .addHelpText(
      'after',
      '\nIt reads the same OTEL_* and GENAI_OTEL_* variables as the preload: run it with the environment of your app.\nExit code 1 when a check failed.',
    )
    .action(action(async () => (await import('./commands/doctor.ts')).runDoctor));

  return program;
}
