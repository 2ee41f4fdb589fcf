// Local stores filled with generated agent turns (test/support/store-data.ts), as the CLI store tests build them:
// the turns written as the `file` exporter's lines to `traces.jsonl`, then loaded with `genai-otel import` into each
// store folder asked for.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFiles } from '../../src/cli/commands/import.ts';
import { generateTurns, type GeneratedLines } from './store-data.ts';

const HOUR = 3_600_000;

export interface GeneratedStores {
  /** The time the turns were generated up to (they end a minute before it). */
  now: number;
  generated: GeneratedLines;
  /** The lines file the stores were imported from. */
  file: string;
  /** What each import read and stored, in the order of the folders. */
  imported: Awaited<ReturnType<typeof importFiles>>[];
}

/**
 * Generates `turns` agent turns over `sessions`, spread over the `hours` before now (the last a minute ago), writes
 * them to `directory/traces.jsonl` and imports them into each of `stores` (folders).
 *
 * @example
 * const { now, imported } = await generatedStores(directory, { turns: 1000, hours: 2, sessions: 100 }, [small]);
 */
export async function generatedStores(
  directory: string,
  shape: { turns: number; hours: number; sessions: number },
  stores: readonly string[],
): Promise<GeneratedStores> {
  const now = Date.now();
  const generated = generateTurns({
    turns: shape.turns,
    firstMillis: now - shape.hours * HOUR,
    lastMillis: now - 60_000,
    sessions: shape.sessions,
  });
  const file = join(directory, 'traces.jsonl');
  writeFileSync(file, `${generated.lines.join('\n')}\n`);
  const imported = [];
  for (const store of stores) imported.push(await importFiles([file], store));
  return { now, generated, file, imported };
}
