// The JSON-lines reader's chunks: every line comes out whole and once, whether a chunk's end cuts it, it is longer
// than a chunk (1 MiB) or the file ends without a newline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeFiles, linesOf, openFiles } from '../../../src/cli/telemetry/line-reader.ts';
import { random } from '../../support/store-data.ts';

async function linesRead(path: string, from = 0): Promise<string[]> {
  const files = await openFiles([path]);
  const read: string[] = [];
  try {
    for await (const { lines } of linesOf(files[0]!, from))
      for (const line of lines) read.push(line.toString('latin1'));
  } finally {
    await closeFiles(files);
  }
  return read;
}

test('lines cut by chunk ends, longer than a chunk, empty, or last without a newline come out whole', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'genai-otel-lines-'));
  try {
    const next = random(9);
    const lengths = [0, 1, 5, 0, 70_000, 1_048_575, 1_048_576, 1_048_577, 3, 2_500_000, 17];
    for (let count = 0; count < 200; count++) lengths.push(Math.floor(next() * 40_000));
    const lines = lengths.map((length, index) => String.fromCharCode(0x41 + (index % 26)).repeat(length) + '\r');
    const path = join(directory, 'traces.jsonl');
    writeFileSync(path, lines.join('\n'), 'latin1');
    assert.deepEqual(await linesRead(path), lines);
    writeFileSync(path, `${lines.join('\n')}\n`, 'latin1');
    assert.deepEqual(await linesRead(path), lines);
    // From a line's offset on: that line and the ones after it.
    for (const first of [1, 7, 10, 150]) {
      const offset = lines.slice(0, first).reduce((sum, line) => sum + line.length + 1, 0);
      assert.deepEqual(await linesRead(path, offset), lines.slice(first));
    }
    writeFileSync(path, '');
    assert.deepEqual(await linesRead(path), []);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
