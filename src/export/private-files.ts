// Folders and files only this user can read or change, never reached through a link another user planted. The spool,
// the status files and the `file` exporter's files hold telemetry (and the spool is replayed with the app's credential
// headers), so a folder another local user created first, or a link or named pipe put in our way, must not be used.
import { join } from 'node:path';
import { fsPromises } from './fs-promises.ts';

/** A folder or file that is not ours alone: another user owns it or may write in it, or it is a link, pipe or device. */
export class NotPrivateError extends Error {
  override readonly name = 'NotPrivateError';
  readonly code = 'ENOTPRIVATE';
}

/** The user the files must belong to; undefined where the platform has no uids (Windows: the profile's temp folder is per user). */
const ownUid = (): number | undefined => process.getuid?.();

/** Flags that are not defined on every platform read as 0 (Windows has neither). */
function flag(name: 'O_NOFOLLOW' | 'O_NONBLOCK'): number {
  return (fsPromises().constants as Record<string, number | undefined>)[name] ?? 0;
}

function describeMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Why a folder (its lstat) is not ours alone; undefined when it is. */
function whyNotPrivate(info: { uid: number; mode: number }): string | undefined {
  const uid = ownUid();
  if (uid === undefined) return undefined;
  if (info.uid !== uid) return `belongs to another user (uid ${info.uid}, we are ${uid})`;
  if ((info.mode & 0o022) !== 0) return `can be written by other users (mode ${describeMode(info.mode)})`;
  return undefined;
}

/**
 * Makes sure `parent/levels[0]/…/levels[n-1]` are real folders (not links) owned by this user and writable by no one
 * else, creating the missing ones with mode 0700 when `create` is set. `parent` is trusted as it is (the temp folder,
 * or the folder around a configured path). Resolves 'missing' when a level does not exist and `create` is not set;
 * rejects with NotPrivateError for a level that is not ours alone, or with the file system's error.
 *
 * @example
 * await privateFolder(tmpdir(), [`genai-otel-${process.getuid()}`, 'spool'], true);
 */
export async function privateFolder(
  parent: string,
  levels: readonly string[],
  create: boolean,
): Promise<'ready' | 'missing'> {
  const fs = fsPromises();
  if (create) await fs.mkdir(parent, { recursive: true, mode: 0o700 });
  let path = parent;
  for (const level of levels) {
    path = join(path, level);
    if (create) {
      await fs.mkdir(path, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    let info;
    try {
      info = await fs.lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !create) return 'missing';
      throw error;
    }
    if (!info.isDirectory())
      throw new NotPrivateError(`${path} is not a folder (${info.isSymbolicLink() ? 'a symbolic link' : 'a file'})`);
    const reason = whyNotPrivate(info);
    if (reason !== undefined) throw new NotPrivateError(`${path} ${reason}`);
  }
  return 'ready';
}

/**
 * Creates `path` (which must not exist) with mode 0600 and writes `data` to it. O_EXCL: an existing file or a link at
 * that name fails the call instead of being written through.
 */
async function createPrivateFile(path: string, data: Uint8Array | string): Promise<void> {
  const fs = fsPromises();
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  const handle = await fs.open(path, O_WRONLY | O_CREAT | O_EXCL | flag('O_NOFOLLOW'), 0o600);
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `path` atomically: into `temporaryPath` (a name of this process, created 0600, exclusive), then
 * renamed over `path`. A rename replaces a link at `path` rather than writing through it.
 *
 * @example
 * await replacePrivateFile(join(folder, 'status.json'), join(folder, `status.json.${process.pid}.tmp`), text);
 */
export async function replacePrivateFile(
  path: string,
  temporaryPath: string,
  data: Uint8Array | string,
): Promise<void> {
  const fs = fsPromises();
  try {
    try {
      await createPrivateFile(temporaryPath, data);
    } catch (error) {
      // A leftover of a process that had our pid and died mid-write.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await fs.unlink(temporaryPath);
      await createPrivateFile(temporaryPath, data);
    }
    await fs.rename(temporaryPath, path);
  } catch (error) {
    await fs.unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads a file this user owns, at most `maxBytes`. The name is opened without following a link and without blocking
 * (a named pipe would wait forever for a writer); what was opened must be a regular file of ours, else NotPrivateError.
 *
 * @example
 * const payload = await readOwnFile(join(folder, name), 64 * 1024 * 1024);
 */
export async function readOwnFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const fs = fsPromises();
  const handle = await fs.open(path, fs.constants.O_RDONLY | flag('O_NOFOLLOW') | flag('O_NONBLOCK'));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotPrivateError(`${path} is not a regular file`);
    const uid = ownUid();
    if (uid !== undefined && info.uid !== uid)
      throw new NotPrivateError(`${path} belongs to another user (uid ${info.uid})`);
    if (info.size > maxBytes)
      throw new NotPrivateError(`${path} is larger (${info.size} bytes) than anything we write there`);
    const buffer = new Uint8Array(info.size);
    let filled = 0;
    while (filled < buffer.byteLength) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.byteLength ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Appends `data` in one write call to `path`, created 0600 if missing; resolves the file's size afterwards. An existing
 * name must be a regular file of ours (a link is not followed, a pipe not waited on); one left readable by others
 * (written by an earlier version) is made 0600.
 *
 * @example
 * const size = await appendOwnFile(join(folder, 'traces.jsonl'), line);
 */
export async function appendOwnFile(path: string, data: Uint8Array): Promise<number> {
  const fs = fsPromises();
  const { O_WRONLY, O_CREAT, O_APPEND } = fs.constants;
  const handle = await fs.open(path, O_WRONLY | O_CREAT | O_APPEND | flag('O_NOFOLLOW') | flag('O_NONBLOCK'), 0o600);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotPrivateError(`${path} is not a regular file`);
    const uid = ownUid();
    if (uid !== undefined) {
      if (info.uid !== uid) throw new NotPrivateError(`${path} belongs to another user (uid ${info.uid})`);
      if ((info.mode & 0o077) !== 0) await handle.chmod(0o600);
    }
    // One write call, not writeFile (which writes in 512 KiB pieces): an O_APPEND write of a regular file lands whole,
    // so lines of processes sharing the file never interleave. A short write (a full disk) continues, then fails.
    let written = 0;
    while (written < data.byteLength) {
      const { bytesWritten } = await handle.write(data, written, data.byteLength - written);
      if (bytesWritten === 0) throw new Error(`${path}: nothing could be written`);
      written += bytesWritten;
    }
    return info.size + data.byteLength;
  } finally {
    await handle.close();
  }
}
