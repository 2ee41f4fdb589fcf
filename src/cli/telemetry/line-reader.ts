// Lines of local JSON-lines files, read in large chunks from descriptors opened once: a reader that passes over the
// files twice (trace-grouping.ts) sees the same bytes both times, even when the app appends or rotates meanwhile.
import { open, type FileHandle } from 'node:fs/promises';

/** A file opened for reading, with the size it had when opened: reads stop there. */
export interface OpenedFile {
  path: string;
  handle: FileHandle;
  size: number;
  /** Its last modification when opened, in ms since the epoch. */
  modifiedMillis: number;
}

/**
 * Bytes read from files by linesOf since the process started: tests tell from it which files were read, without timing.
 *
 * @example
 * const before = readCounters.bytes; ...; readCounters.bytes - before; // bytes read meanwhile
 */
export const readCounters = { bytes: 0 };

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Opens `paths` for reading (a file that vanished since it was listed is left out).
 *
 * @example
 * const files = await openFiles(['traces.jsonl']);
 * try { ... } finally { await closeFiles(files); }
 */
export async function openFiles(paths: readonly string[]): Promise<OpenedFile[]> {
  const files: OpenedFile[] = [];
  for (const path of paths) {
    try {
      const handle = await open(path, 'r');
      const stat = await handle.stat();
      files.push({ path, handle, size: stat.size, modifiedMillis: stat.mtimeMs });
    } catch {
      // Rotated away between the listing and here: its spans are in the next generation or gone.
    }
  }
  return files;
}

export async function closeFiles(files: readonly OpenedFile[]): Promise<void> {
  await Promise.all(files.map((file) => file.handle.close().catch(() => undefined)));
}

/**
 * The lines of `file` up to its size when opened, a chunk's worth at a time, split on `\n` only (a `\r` stays in the
 * line; JSON ignores it). `read` is the bytes consumed so far. The last line may lack its newline (a write cut short).
 * Lines are views of one buffer that the next chunk overwrites: use them before asking for it. The buffer is read
 * into again, the unfinished line at its end first moved to its start: no allocation per chunk (a chunk per read left
 * 50 MB of dead chunks to the garbage collector, and a copy per line cut by a chunk's end 15 MB of dead buffers on a
 * fast scan). A line longer than the buffer makes it twice as large. `from`: the byte offset of a line to start at.
 *
 * @example
 * for await (const { lines } of linesOf(file)) for (const line of lines) JSON.parse(line.toString());
 */
export async function* linesOf(file: OpenedFile, from = 0): AsyncGenerator<{ lines: Buffer[]; read: number }> {
  let buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, file.size - from)));
  let position = from;
  // Bytes of an unfinished line at the start of the buffer.
  let kept = 0;
  while (position < file.size) {
    if (kept === buffer.length) {
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, kept);
      buffer = larger;
    }
    const wanted = Math.min(buffer.length - kept, file.size - position);
    const { bytesRead } = await file.handle.read(buffer, kept, wanted, position);
    if (bytesRead === 0) break; // truncated since it was opened
    position += bytesRead;
    readCounters.bytes += bytesRead;
    const filled = buffer.subarray(0, kept + bytesRead);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = filled.indexOf(NEWLINE, kept); end !== -1; end = filled.indexOf(NEWLINE, start)) {
      lines.push(filled.subarray(start, end));
      start = end + 1;
    }
    yield { lines, read: position };
    kept = filled.length - start;
    if (kept > 0 && start > 0) buffer.copyWithin(0, start, filled.length);
  }
  if (kept > 0) yield { lines: [buffer.subarray(0, kept)], read: position };
}

/** Whether a line holds nothing but blanks (a file ends with one; a crash may leave more). */
export function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
