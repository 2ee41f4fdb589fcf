// The times written in an OTLP/JSON line, read from its bytes without parsing it: enough to tell that every span or
// log record of the line lies before a window, so that the line is neither indexed nor parsed (a day's report over
// ten days of files then parses one day).
const QUOTE = 0x22;

/** The key of a span's start. */
export const SPAN_START_KEYS: readonly Buffer[] = [Buffer.from('"startTimeUnixNano":')];
/** A log record's time is its timeUnixNano, else its observedTimeUnixNano: both are read. */
export const LOG_TIME_KEYS: readonly Buffer[] = [
  Buffer.from('"timeUnixNano":'),
  Buffer.from('"observedTimeUnixNano":'),
];

/** The earliest and latest time of a line, in whole milliseconds (rounded down). */
export interface LineTimes {
  earliest: number;
  latest: number;
}

/**
 * The time at `offset` (`"<digits>"` or `<digits>`, ns) in whole milliseconds, rounded down, or undefined when it is
 * written otherwise.
 */
function millisAt(line: Buffer, offset: number): number | undefined {
  let at = line[offset] === QUOTE ? offset + 1 : offset;
  const first = at;
  let millis = 0;
  for (; at < line.length; at++) {
    const byte = line[at]!;
    if (byte < 0x30 || byte > 0x39) break;
    // The last six digits are below a millisecond; 13 digits of ms (until the year 2286) are exact in a double.
    if (at - first < 13) millis = millis * 10 + (byte - 0x30);
  }
  const digits = at - first;
  if (digits === 0 || digits > 19 || (first !== offset && line[at] !== QUOTE)) return undefined;
  return digits <= 6 ? 0 : Math.floor(millis / 10 ** (Math.min(13, digits) - (digits - 6)));
}

/**
 * The earliest and latest of the times written under `keys` in `line`, or undefined when there is none or one is
 * written in a way this scan does not read (blanks after the colon, an object): then the line must be parsed.
 *
 * @example
 * const times = timesOf(line, SPAN_START_KEYS);
 * if (times !== undefined && isBefore(times, sinceMillis)) continue; // no span of the window here
 */
export function timesOf(line: Buffer, keys: readonly Buffer[]): LineTimes | undefined {
  let earliest = Infinity;
  let latest = -Infinity;
  for (const key of keys)
    for (let at = line.indexOf(key); at !== -1; at = line.indexOf(key, at + key.length)) {
      const time = millisAt(line, at + key.length);
      if (time === undefined) return undefined;
      if (time < earliest) earliest = time;
      if (time > latest) latest = time;
    }
  return latest === -Infinity ? undefined : { earliest, latest };
}

/** Whether every time of the line lies before `sinceMillis` (rounded down: a time may be up to 1 ms later). */
export function isBefore(times: LineTimes, sinceMillis: number): boolean {
  return times.latest + 1 <= sinceMillis;
}

/**
 * How much later than a file's modification time a span or log record in it may say it started: the writer's and the
 * producer's clocks may disagree (another machine, a clock set wrong by whole hours). A day covers both.
 */
export const FILE_CLOCK_MARGIN_MILLIS = 24 * 3_600_000;

/**
 * Whether everything in a file lies before `sinceMillis`, told by its modification time alone. Exporters (ours, the
 * Collector's) append a span when it ends and a log record after it happens, and rotation renames a file without
 * touching it: every time written in a file is at most its last write, give or take FILE_CLOCK_MARGIN_MILLIS.
 *
 * @example
 * writtenBeforeWindow({ modifiedMillis: Date.now() - 3 * 86_400_000 }, Date.now() - 86_400_000); // true
 */
export function writtenBeforeWindow(file: { modifiedMillis: number }, sinceMillis: number): boolean {
  return file.modifiedMillis + FILE_CLOCK_MARGIN_MILLIS < sinceMillis;
}
