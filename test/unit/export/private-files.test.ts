// The file primitives the spool, status.json and the `file` exporter rest on: what they refuse must be refused at
// once (a named pipe must not block), and what they create must be this user's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendOwnFile,
  NotPrivateError,
  privateFolder,
  readOwnFile,
  replacePrivateFile,
} from '../../../src/export/private-files.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'private-files-'));

test('reading refuses a named pipe at once, a link without following it, and a file larger than expected', async () => {
  const directory = folder();
  execFileSync('mkfifo', [join(directory, 'pipe')]);
  await assert.rejects(readOwnFile(join(directory, 'pipe'), 1000), NotPrivateError);
  writeFileSync(join(directory, 'target'), 'behind the link');
  symlinkSync(join(directory, 'target'), join(directory, 'link'));
  await assert.rejects(
    readOwnFile(join(directory, 'link'), 1000),
    (error: NodeJS.ErrnoException) => error.code === 'ELOOP',
  );
  await assert.rejects(readOwnFile(join(directory, 'target'), 3), NotPrivateError);
  assert.equal(Buffer.from(await readOwnFile(join(directory, 'target'), 1000)).toString(), 'behind the link');
});

test('appending refuses a named pipe without waiting for a reader, and a link; it creates files 0600', async () => {
  const directory = folder();
  execFileSync('mkfifo', [join(directory, 'pipe')]);
  await assert.rejects(appendOwnFile(join(directory, 'pipe'), new Uint8Array([1])));
  writeFileSync(join(directory, 'target'), 'unchanged');
  symlinkSync(join(directory, 'target'), join(directory, 'link'));
  await assert.rejects(appendOwnFile(join(directory, 'link'), new Uint8Array([65])));
  assert.equal(readFileSync(join(directory, 'target'), 'utf8'), 'unchanged');
  assert.equal(await appendOwnFile(join(directory, 'new'), new Uint8Array([65, 66])), 2);
  assert.equal(await appendOwnFile(join(directory, 'new'), new Uint8Array([67])), 3);
  assert.equal(statSync(join(directory, 'new')).mode & 0o777, 0o600);
});

test('replacing a file renames a new 0600 file over the name: a link there is replaced, its target untouched', async () => {
  const directory = folder();
  writeFileSync(join(directory, 'target'), 'unchanged');
  symlinkSync(join(directory, 'target'), join(directory, 'status.json'));
  writeFileSync(join(directory, 'status.json.tmp'), 'a leftover of a process that died');
  await replacePrivateFile(join(directory, 'status.json'), join(directory, 'status.json.tmp'), '{}');
  assert.equal(readFileSync(join(directory, 'target'), 'utf8'), 'unchanged');
  assert.ok(lstatSync(join(directory, 'status.json')).isFile());
  assert.equal(statSync(join(directory, 'status.json')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(directory, 'status.json'), 'utf8'), '{}');
});

test('folders are made 0700; a link or a folder others can write in is refused; a missing one is reported without creating it', async () => {
  const parent = folder();
  assert.equal(await privateFolder(parent, ['a', 'b'], false), 'missing');
  assert.equal(await privateFolder(parent, ['a', 'b'], true), 'ready');
  assert.equal(statSync(join(parent, 'a', 'b')).mode & 0o777, 0o700);
  mkdirSync(join(parent, 'open'));
  chmodSync(join(parent, 'open'), 0o777);
  await assert.rejects(privateFolder(parent, ['open', 'x'], true), /can be written by other users \(mode 0777\)/);
  symlinkSync(join(parent, 'a'), join(parent, 'linked'));
  await assert.rejects(privateFolder(parent, ['linked'], false), /is not a folder \(a symbolic link\)/);
});
