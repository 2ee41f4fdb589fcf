import type * as FsPromisesModule from 'node:fs/promises';
import { nodeFsPromises } from '../core/loaders.ts';

let loaded: typeof FsPromisesModule | undefined;

/**
 * `node:fs/promises`, loaded at its first use rather than with the preload: it brings readline and file watching
 * with it (about 1 ms of start-up), and a process whose collector answers never writes a file.
 *
 * @example
 * await fsPromises().writeFile(path, payload);
 */
export function fsPromises(): typeof FsPromisesModule {
  loaded ??= nodeFsPromises();
  return loaded;
}
