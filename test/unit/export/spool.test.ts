// The spool's folder and files against another local user and against what an outage leaves: folders that are not
// ours alone are not used, only regular files of ours are read, links are replaced rather than written through,
// payloads stay with their destination, and a scan reads a bounded number of names whatever the folder holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpDelivery } from '../../../src/export/delivery.ts';
import { destinationFolder, MAX_SPOOL_ENTRIES, Spool, type SignalName } from '../../../src/export/spool.ts';
import { processStatusName } from '../../../src/export/folder-status.ts';
import { closedPort } from '../../support/ports.ts';

const runsAsRoot = process.getuid?.() === 0;
const NOBODY = 65534;

function spoolIn(directory: string, destination = 'http://collector.example/v1/traces\nsvc\n') {
  const dropped: { signal: SignalName; items: number; reason: string }[] = [];
  const spool = new Spool(
    { directory, maxBytes: 1 << 30, destinations: { traces: destination } },
    { dropped: (signal, items, reason) => dropped.push({ signal, items, reason }) },
  );
  return { spool, dropped, folder: join(directory, destinationFolder('traces', destination)) };
}

const payloadName = (time: number, sequence: number, bytes: number, items = 1) =>
  `${String(time).padStart(15, '0')}-1-${String(sequence).padStart(6, '0')}.${bytes}.traces.protobuf.${items}.otlp`;

test('a spool folder other users can write in (mode 0777) is neither read nor written', async () => {
  const directory = join(mkdtempSync(join(tmpdir(), 'spool-open-')), 'spool');
  const { spool, dropped, folder } = spoolIn(directory);
  mkdirSync(folder, { recursive: true });
  chmodSync(directory, 0o777);
  const planted = payloadName(Date.now() - 1000, 0, 7);
  writeFileSync(join(folder, planted), 'planted');
  await spool.open();
  assert.equal(spool.size.entries, 0, 'a planted payload was taken');
  assert.equal(await spool.append('traces', 'protobuf', 3, new Uint8Array(10)), false);
  assert.deepEqual(dropped, [{ signal: 'traces', items: 3, reason: 'spool unavailable' }]);
  assert.equal(spool.isWritable, false);
  assert.equal(await spool.claimOldest(), undefined);
  assert.deepEqual(readdirSync(folder), [planted], 'nothing was written there');
});

test(
  'a payload file of another user in our folder is never read or sent',
  { skip: !runsAsRoot && 'needs root to make a file of another user' },
  async () => {
    const directory = mkdtempSync(join(tmpdir(), 'spool-foreign-'));
    const { spool, folder } = spoolIn(directory);
    mkdirSync(folder, { mode: 0o700 });
    const foreign = join(folder, payloadName(Date.now() - 2000, 0, 7));
    writeFileSync(foreign, 'foreign');
    chownSync(foreign, NOBODY, NOBODY);
    writeFileSync(join(folder, payloadName(Date.now() - 1000, 1, 4)), 'ours');
    await spool.open();
    assert.equal(spool.size.entries, 2);
    const claimed = await spool.claimOldest();
    assert.equal(
      Buffer.from(claimed!.payload).toString(),
      'ours',
      'the first payload handed out is ours, the foreign one skipped',
    );
    assert.equal(await spool.claimOldest(), undefined);
  },
);

test("payloads are 0600 in 0700 folders; the process's status file replaces a planted link instead of writing through it", async () => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-modes-'));
  const victim = join(mkdtempSync(join(tmpdir(), 'victim-')), 'victim.txt');
  writeFileSync(victim, 'must stay as it is');
  symlinkSync(victim, join(directory, processStatusName()));
  const url = `http://127.0.0.1:${await closedPort()}/v1/traces`;
  const delivery = new OtlpDelivery({
    targets: { traces: { url, headers: {}, compression: 'none', timeoutMillis: 1000 } },
    spool: { directory, maxBytes: 1_000_000 },
  });
  assert.equal(await delivery.deliver('traces', 'protobuf', 2, new Uint8Array([1, 2, 3])), 'spooled');
  delivery.beginShutdown(Date.now() + 2000);
  await delivery.shutdown();
  assert.equal(readFileSync(victim, 'utf8'), 'must stay as it is', 'the status file was written through the link');
  const status = lstatSync(join(directory, processStatusName()));
  assert.ok(status.isFile(), 'the status file is a file of its own now');
  assert.equal(status.mode & 0o777, 0o600);
  const files = readdirSync(directory, { recursive: true, encoding: 'utf8' }).map((path) => join(directory, path));
  const payloads = files.filter((path) => path.endsWith('.otlp'));
  assert.equal(payloads.length, 1, files.join(', '));
  for (const path of files)
    assert.equal(statSync(path).mode & 0o777, statSync(path).isDirectory() ? 0o700 : 0o600, path);
});

test('payloads are kept per destination: a spool for another destination does not see them', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-destination-'));
  const staging = spoolIn(directory, 'http://staging:4318/v1/traces\ncheckout\nstaging');
  assert.equal(await staging.spool.append('traces', 'protobuf', 1, new Uint8Array([1])), true);
  const production = spoolIn(directory, 'http://production:4318/v1/traces\ncheckout\nproduction');
  await production.spool.open();
  assert.equal(production.spool.size.entries, 0);
  assert.equal(await production.spool.claimOldest(), undefined);
  const stagingAgain = spoolIn(directory, 'http://staging:4318/v1/traces\ncheckout\nstaging');
  await stagingAgain.spool.open();
  assert.equal(stagingAgain.spool.size.entries, 1);
});

test(`a scan takes at most ${MAX_SPOOL_ENTRIES} payloads whatever the folder holds, and the spool does not grow beyond`, async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'spool-many-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const { spool, dropped, folder } = spoolIn(directory);
  mkdirSync(folder, { mode: 0o700 });
  const start = Date.now() - 3_600_000;
  for (let index = 0; index < 3 * MAX_SPOOL_ENTRIES; index++)
    writeFileSync(join(folder, payloadName(start + index, index % 1_000_000, 1)), 'x');
  await spool.open();
  assert.equal(spool.size.entries, MAX_SPOOL_ENTRIES);
  assert.equal(await spool.append('traces', 'protobuf', 1, new Uint8Array([1])), true);
  assert.equal(spool.size.entries, MAX_SPOOL_ENTRIES, 'one old payload made room for the new one');
  assert.deepEqual(
    dropped.map((drop) => drop.reason),
    ['spool full'],
  );
  assert.equal(readdirSync(folder).length, 3 * MAX_SPOOL_ENTRIES);
});
