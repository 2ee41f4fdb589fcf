import { DiagLogLevel, diag, type DiagLogger } from '@opentelemetry/api';
import { format } from 'node:util';
import type { ConfigProblem, LogLevelName } from '../config/config-types.ts';
import { describeThrown } from './error-type.ts';

const PREFIX = 'genai-otel:';

const LEVELS: Record<LogLevelName, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** Keys of messages already logged, shared by every copy of this module in the process (ESM and CJS builds). */
const reportedKeys: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('genai-otel.diagnostics.reported')
] ??= new Set<string>()) as Set<string>;

/**
 * Writes every diagnostic line to stderr: a preload must never write into the application's stdout, which may be
 * a pipe carrying data (the console logger of @opentelemetry/api prints info lines to stdout).
 */
function writeToStderr(message: string, args: unknown[]): void {
  try {
    process.stderr.write(`${args.length > 0 ? format(message, ...args) : message}\n`);
  } catch {
    // A closed stderr must not break the application.
  }
}

const stderrLogger: DiagLogger = {
  error: (message, ...args) => writeToStderr(message, args),
  warn: (message, ...args) => writeToStderr(message, args),
  info: (message, ...args) => writeToStderr(message, args),
  debug: (message, ...args) => writeToStderr(message, args),
  verbose: (message, ...args) => writeToStderr(message, args),
};

/** Sends OpenTelemetry's diagnostic messages, ours included, to stderr at the configured level. */
export function installDiagnosticLogger(level: LogLevelName): void {
  diag.setLogger(stderrLogger, { logLevel: LEVELS[level], suppressOverrideMessage: true });
}

/** Logs a warning only the first time `key` is seen, so a fault repeated per call cannot flood the log. */
export function warnOnce(key: string, message: string): void {
  if (reportedKeys.has(key)) return;
  reportedKeys.add(key);
  quietly(() => diag.warn(`${PREFIX} ${message}`));
}

/** Logs an error only the first time `key` is seen. */
export function errorOnce(key: string, message: string, error?: unknown): void {
  if (reportedKeys.has(key)) return;
  reportedKeys.add(key);
  quietly(() => diag.error(`${PREFIX} ${message}${error === undefined ? '' : `: ${describeError(error)}`}`));
}

/**
 * Runs a write to the diagnostic logger, which may be the app's own (diag.setLogger) and may throw: a diagnostic is
 * written from catch blocks on the way back to the app, and must never replace the app's error with one of its own.
 */
function quietly(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing more can be said.
  }
}

export function info(message: string): void {
  quietly(() => diag.info(`${PREFIX} ${message}`));
}

export function debug(message: string): void {
  quietly(() => diag.debug(`${PREFIX} ${message}`));
}

/** The wording tests and users see for a bad setting: the variable, the value and what is accepted. */
export function formatConfigProblem(problem: ConfigProblem): string {
  return `${problem.variable}="${problem.value}" ${problem.message.startsWith('is ') ? '' : 'is not valid: '}${problem.message}`;
}

export function reportConfigProblems(problems: readonly ConfigProblem[]): void {
  for (const problem of problems) {
    warnOnce(`config:${problem.variable}:${problem.value}`, formatConfigProblem(problem));
  }
}

/**
 * One line for a caught value, whatever it is (getters that throw, revoked proxies, symbols): never throws.
 *
 * @example
 * warnOnce('x', `could not read the file (${describeError(error)})`);
 */
export function describeError(error: unknown): string {
  const facts = describeThrown(error);
  return facts.named ? `${facts.name}: ${facts.message}` : facts.message;
}
