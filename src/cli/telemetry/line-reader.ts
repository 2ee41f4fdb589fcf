// Lines of local JSON-lines files, read in large chunks from descriptors opened once: a reader that passes over the
// files twice (trace-grouping.ts) sees the same bytes both times, even when the app appends or rotates meanwhile.
import { open, type FileHandle } from 'node:fs/promises';

/** A file opened for reading, with the size it had when opened: reads stop there. */
export interface OpenedFile {
  path: string;
  handle: FileHandle;
  size: number;
}

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
      files.push({ path, handle, size: (await handle.stat()).size });
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
 * Lines are views of one buffer that the next chunk overwrites: use them before asking for it (a 1 MiB buffer read
 * into again, instead of one per chunk left for the garbage collector: that kept 50 MB of dead chunks on a large read).
 *
 * @example
 * for await (const { lines } of linesOf(file)) for (const line of lines) JSON.parse(line.toString());
 */
export async function* linesOf(file: OpenedFile): AsyncGenerator<{ lines: Buffer[]; read: number }> {
  let position = 0;
  let carried: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, file.size)));
  while (position < file.size) {
    const { bytesRead } = await file.handle.read(buffer, 0, Math.min(buffer.length, file.size - position), position);
    if (bytesRead === 0) break; // truncated since it was opened
    position += bytesRead;
    const chunk = buffer.subarray(0, bytesRead);
    const lines: Buffer[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (carried.length > 0) {
        carried.push(chunk.subarray(start, end));
        lines.push(Buffer.concat(carried));
        carried = [];
      } else lines.push(chunk.subarray(start, end));
      start = end + 1;
    }
    // A line longer than a chunk is kept in pieces (copies: the buffer is read into again) and joined once, at its end.
    if (start < chunk.length) carried.push(Buffer.from(chunk.subarray(start)));
    yield { lines, read: position };
  }
  if (carried.length > 0) yield { lines: [Buffer.concat(carried)], read: position };
}

/** Whether a line holds nothing but blanks (a file ends with one; a crash may leave more). */
export function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}
