// Large JSON-lines telemetry without generating it: the `file` exporter's files of a folder are copied `copies` times
// into another folder, each copy earlier by whole days, with its own trace ids (the first four hex digits replaced by
// the copy's number) and session ids (`~<copy>` appended), so that 1M generated spans become 10M in a few minutes. The
// copies are written as the exporter's rotated generations (`traces.<time>-<pid>.jsonl`, oldest first) and the last,
// unshifted copy as `traces.jsonl`, the order the CLI reads them in, each modified `copy` days before the source file
// (as the exporter would have left it: the CLI skips files last written before the window). Lines are rewritten as
// text, never parsed.
//
//   node bench/grow-jsonl.ts <from folder> <to folder> [copies=10]
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const DAY_NANOS = 86_400_000_000_000n;
const TRACE_ID = /"traceId":"[0-9a-fA-F]{4}/g;
const TIME = /"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|observedTimeUnixNano)":"(\d+)"/g;
const SESSION = /("key":"session\.id","value":\{"stringValue":")([^"\\]*)"/g;

/**
 * One line of a copy: ids of copy `copy`, times `copy` days earlier (copy 0 is the line unchanged).
 *
 * @example
 * copiedLine('{"traceId":"4bf92f35…","startTimeUnixNano":"1796511436734494873"}', 2);
 */
export function copiedLine(line: string, copy: number): string {
  if (copy === 0) return line;
  const prefix = (0xe000 + copy).toString(16);
  const shift = DAY_NANOS * BigInt(copy);
  return line
    .replace(TRACE_ID, `"traceId":"${prefix}`)
    .replace(TIME, (_, name: string, value: string) => `"${name}":"${BigInt(value) - shift}"`)
    .replace(SESSION, (_, head: string, id: string) => `${head}${id}~${copy}"`);
}

async function copyFile(from: string, to: string, copy: number): Promise<number> {
  const output = createWriteStream(to, { mode: 0o600, flags: 'wx' });
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    if (!output.write(`${copiedLine(line, copy)}\n`)) await once(output, 'drain');
    lines++;
  }
  output.end();
  await once(output, 'finish');
  return lines;
}

/**
 * Writes `copies` copies of `from`'s traces.jsonl and logs.jsonl into `to` (a new or empty folder).
 *
 * @example
 * await growJsonl('/tmp/cliquery-big1m', '/tmp/jsonl10m', 10); // 1M spans become 10M
 */
export async function growJsonl(
  from: string,
  to: string,
  copies: number,
  log: (line: string) => void = () => {},
): Promise<void> {
  if (!Number.isInteger(copies) || copies < 1 || copies > 0xfff) throw new Error(`copies: 1 to 4095, not ${copies}`);
  mkdirSync(to, { recursive: true, mode: 0o700 });
  // Generation names sort by their 13-digit time: the oldest copy gets the smallest.
  const base = 1_700_000_000_000;
  for (const signal of ['traces', 'logs']) {
    const source = join(from, `${signal}.jsonl`);
    if (!existsSync(source)) continue;
    for (let copy = copies - 1; copy >= 0; copy--) {
      const name = copy === 0 ? `${signal}.jsonl` : `${signal}.${base + (copies - copy)}-1.jsonl`;
      const started = Date.now();
      const lines = await copyFile(source, join(to, name), copy);
      const modified = statSync(source).mtimeMs - copy * 86_400_000;
      utimesSync(join(to, name), modified / 1000, modified / 1000);
      log(
        `${name}: ${lines} lines, copy ${copy} (${copy} days earlier), ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [from, to, copies = '10'] = process.argv.slice(2);
  if (from === undefined || to === undefined) {
    process.stderr.write('usage: node bench/grow-jsonl.ts <from folder> <to folder> [copies=10]\n');
    process.exitCode = 2;
  } else await growJsonl(from, to, Number(copies), (line) => process.stderr.write(`${line}\n`));
}
