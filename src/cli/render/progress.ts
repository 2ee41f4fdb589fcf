import { terminalSafe } from './terminal-text.ts';

/** A one-line progress indicator on stderr, only when stderr is a terminal: pipes and files never see it. */
export interface Progress {
  update(text: string): void;
  done(): void;
}

const SILENT: Progress = { update: () => undefined, done: () => undefined };

/**
 * Progress shown on `stream` when it is a TTY, redrawn at most every 100 ms.
 *
 * @example
 * const progress = progressOn(process.stderr);
 * progress.update('reading traces.jsonl 40 %');
 * progress.done();
 */
export function progressOn(stream: NodeJS.WriteStream): Progress {
  if (stream.isTTY !== true) return SILENT;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[K${terminalSafe(text).slice(0, (stream.columns ?? 80) - 1)}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
