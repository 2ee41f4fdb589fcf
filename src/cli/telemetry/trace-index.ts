// What the first pass over JSON-lines files learns for the second (trace-grouping.ts): the last line of each trace and
// which lines hold a span of the window. Kept in typed arrays, outside the garbage-collected heap: with a Map of 1.2M
// number pairs (10M spans over ten days) the heap peaked at 367 MB, 114 MB of it large objects (the Map's tables,
// twice while one grows), where these arrays take 16 to 32 bytes a trace (three eighths to three quarters of the
// slots in use; 24 MB for 1.2M traces), freed as soon as they are replaced or no longer needed (release-memory.ts).

import { releaseNow } from './release-memory.ts';

/** Slots are doubled when more than three quarters are taken: probes stay short (1.5 on average at that load). */
const INITIAL_SLOTS = 1 << 12;

/**
 * A key's bits mixed into 32: ids that differ only in their first digits (copies of one data set, a producer that sets
 * a prefix) still land in different slots.
 */
function spread(key: number): number {
  const mixed = Math.imul((key >>> 0) ^ Math.imul(Math.floor(key / 0x1_0000_0000), 0x85ebca6b), 0x9e3779b1);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/**
 * trace key (a 52-bit number, see traceKey) → the last line it was seen on; plus one bit per line saying whether the
 * line may hold a span of the window. An open-addressing hash table with linear probing over two typed arrays.
 *
 * @example
 * const index = new TraceLineIndex();
 * index.setLastLine(0x4bf92f3577b34, 12);
 * index.lastLine(0x4bf92f3577b34); // 12
 */
export class TraceLineIndex {
  /** key + 1 (0: an empty slot); keys are below 2^52, so key + 1 is exact. */
  private keys = new Float64Array(INITIAL_SLOTS);
  private lines = new Uint32Array(INITIAL_SLOTS);
  private used = 0;
  /** Bit n: line n holds no span of the window (set by the scan; lines not marked are read). */
  private outside = new Uint32Array(64);
  /** The earliest span start the scan read from the lines' bytes, in ms (Infinity: none). */
  earliestMillis = Infinity;
  /**
   * Per file (in the order read), where its first line that may hold a span of the window begins: its byte offset and
   * its line number. The lines before it are all outside: the second pass starts reading there (the file's size and
   * the next file's first line when every line is outside).
   */
  readonly fileStarts: { offset: number; line: number }[] = [];

  /** How many traces are indexed. */
  get size(): number {
    return this.used;
  }

  setLastLine(key: number, line: number): void {
    if ((this.used + 1) * 4 > this.keys.length * 3) this.grow();
    const slot = this.slotOf(key);
    if (this.keys[slot] === 0) {
      this.keys[slot] = key + 1;
      this.used++;
    }
    this.lines[slot] = line;
  }

  lastLine(key: number): number | undefined {
    const slot = this.slotOf(key);
    return this.keys[slot] === 0 ? undefined : this.lines[slot];
  }

  markOutside(line: number): void {
    const word = line >>> 5;
    if (word >= this.outside.length) {
      const larger = new Uint32Array(Math.max(word + 1, this.outside.length * 2));
      larger.set(this.outside);
      releaseNow(this.outside);
      this.outside = larger;
    }
    this.outside[word]! |= 1 << (line & 31);
  }

  /** Whether line `line` may hold a span of the window (false only when the scan saw that it does not). */
  inWindow(line: number): boolean {
    const word = line >>> 5;
    return word >= this.outside.length || (this.outside[word]! & (1 << (line & 31))) === 0;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slotOf(key: number): number {
    const mask = this.keys.length - 1;
    const stored = key + 1;
    for (let slot = spread(key) & mask; ; slot = (slot + 1) & mask) {
      const found = this.keys[slot]!;
      if (found === 0 || found === stored) return slot;
    }
  }

  private grow(): void {
    const keys = this.keys;
    const lines = this.lines;
    this.keys = new Float64Array(keys.length * 2);
    this.lines = new Uint32Array(keys.length * 2);
    for (let index = 0; index < keys.length; index++) {
      const stored = keys[index]!;
      if (stored === 0) continue;
      const slot = this.slotOf(stored - 1);
      this.keys[slot] = stored;
      this.lines[slot] = lines[index]!;
    }
    releaseNow(keys);
    releaseNow(lines);
  }

  /** Frees the index's arrays now, leaving it empty: the reader calls it when the files are read. */
  release(): void {
    releaseNow(this.keys);
    releaseNow(this.lines);
    releaseNow(this.outside);
    this.keys = new Float64Array(INITIAL_SLOTS);
    this.lines = new Uint32Array(INITIAL_SLOTS);
    this.outside = new Uint32Array(64);
    this.used = 0;
  }
}
