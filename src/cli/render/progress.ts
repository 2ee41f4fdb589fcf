import { terminalSafe } from './terminal-text.ts';

/** What long work is doing: reading the source, computing the answer from what was read, writing rows out. */
export type ProgressPhase = 'querying' | 'scanning' | 'reading' | 'aggregating' | 'writing';

/**
 * Where long work stands, on stderr only (stdout stays data). `fraction` is the part of the phase done, 0 to 1
 * (undefined when unknown); `detail` says what is being worked on.
 */
export interface Progress {
  update(phase: ProgressPhase, fraction: number | undefined, detail?: string): void;
  /** The current phase is over: on a terminal the line is cleared; elsewhere a phase that was shown ends at 100 %. */
  done(): void;
}

export interface ProgressOptions {
  /** Off a terminal, the first line waits this long (short commands print nothing) and lines come this far apart. */
  intervalMillis?: number;
  /** Redraws of the terminal line at most this often. */
  redrawMillis?: number;
  now?: () => number;
}

const percent = (fraction: number | undefined) =>
  fraction === undefined ? '' : ` ${Math.min(100, Math.max(0, Math.floor(fraction * 100)))} %`;

/**
 * Progress on `stream`: on a terminal the current line, redrawn at most every 100 ms and cleared when done; on a pipe or
 * a file (a CI log, `2> log`) a line such as `genai-otel: reading 40 % (traces.jsonl)` every few seconds once the work
 * has lasted that long, and the phase's last line at 100 %. Work shorter than the interval prints nothing.
 *
 * @example
 * const progress = progressOn(process.stderr);
 * progress.update('reading', 0.4, 'traces.jsonl');
 * progress.done();
 */
export function progressOn(
  stream: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns'>,
  options: ProgressOptions = {},
): Progress {
  const now = options.now ?? Date.now;
  const line = (phase: ProgressPhase, fraction: number | undefined, detail: string | undefined) =>
    terminalSafe(`${phase}${percent(fraction)}${detail === undefined || detail === '' ? '' : ` (${detail})`}`);
  if (stream.isTTY === true) {
    const redraw = options.redrawMillis ?? 100;
    let last = 0;
    let shown = false;
    return {
      update(phase, fraction, detail) {
        const time = now();
        if (time - last < redraw) return;
        last = time;
        shown = true;
        stream.write(`\r\x1b[K${line(phase, fraction, detail).slice(0, (stream.columns ?? 80) - 1)}`);
      },
      done() {
        if (shown) stream.write('\r\x1b[K');
        shown = false;
      },
    };
  }
  const interval = options.intervalMillis ?? 5000;
  const started = now();
  let lastLine = started;
  let current: { phase: ProgressPhase; detail?: string; shown: boolean } | undefined;
  return {
    update(phase, fraction, detail) {
      if (current?.phase !== phase) {
        // A phase that was shown ends at 100 % before the next one begins.
        if (current?.shown === true) stream.write(`genai-otel: ${line(current.phase, 1, current.detail)}\n`);
        current = { phase, shown: false };
      }
      current.detail = detail;
      const time = now();
      if (time - lastLine < interval) return;
      lastLine = time;
      current.shown = true;
      stream.write(`genai-otel: ${line(phase, fraction, detail)}\n`);
    },
    done() {
      if (current?.shown === true) stream.write(`genai-otel: ${line(current.phase, 1, current.detail)}\n`);
      current = undefined;
    },
  };
}
