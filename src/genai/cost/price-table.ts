import { readFileSync } from 'node:fs';
import { warnOnce } from '../../core/diagnostics.ts';
import { yaml } from '../../core/loaders.ts';
import type { ModelPrice } from '../llm-types.ts';
import bundledPrices from './prices.json' with { type: 'json' };
import { normalizeModelName, priceProvidersFor } from './model-names.ts';
import { ShapeCache } from '../shape-cache.ts';

/** One priced model, as in prices.json. */
export interface PriceEntry extends ModelPrice {
  provider?: string;
  model: string;
  aliases?: string[];
  source?: string;
  asOf?: string;
}

export interface PriceTable {
  /** The bundled table's date. */
  version: string;
  /** Finds the price of `model` as served by `provider`, matching dated and regional variants. */
  lookup(provider: string | undefined, model: string): PriceEntry | undefined;
}

/** The date of the bundled price table. */
export const BUNDLED_PRICES_VERSION: string = bundledPrices.version;

function isPrice(value: unknown): value is ModelPrice {
  const price = value as Partial<ModelPrice> | null;
  const valid = (item: unknown) =>
    item === undefined || (typeof item === 'number' && Number.isFinite(item) && item >= 0);
  return (
    typeof price === 'object' &&
    price !== null &&
    typeof price.input === 'number' &&
    typeof price.output === 'number' &&
    valid(price.input) &&
    valid(price.output) &&
    valid(price.cacheRead) &&
    valid(price.cacheWrite) &&
    valid(price.reasoning)
  );
}

/**
 * Reads a user's price file: the bundled schema (`{ models: [{ provider, model, input, output, ... }] }`) or a plain
 * map (`{ "my-model": { input, output } }`), as JSON or YAML. Bad entries are reported and skipped.
 */
export function parsePriceFile(text: string, path: string): PriceEntry[] {
  const isYaml = /\.ya?ml$/i.test(path);
  const document: unknown = isYaml ? yaml().parse(text) : JSON.parse(text);
  if (typeof document !== 'object' || document === null) throw new Error('expected an object');
  const models = (document as { models?: unknown }).models;
  const candidates: unknown[] = Array.isArray(models)
    ? models
    : Object.entries(document as Record<string, unknown>).map(([model, price]) => ({ ...(price as object), model }));
  const entries: PriceEntry[] = [];
  for (const candidate of candidates) {
    const entry = candidate as Partial<PriceEntry>;
    if (typeof entry?.model === 'string' && isPrice(entry)) {
      entries.push(entry as PriceEntry);
    } else {
      warnOnce(
        `prices:entry:${path}:${String(entry?.model)}`,
        `GENAI_OTEL_PRICES_FILE (${path}): entry ${JSON.stringify(entry?.model ?? null)} needs a model name and numeric input and output prices (USD per 1M tokens); it was skipped`,
      );
    }
  }
  return entries;
}

/** Builds a table from entries; later entries win over earlier ones for the same provider and model. */
export function createPriceTable(entries: readonly PriceEntry[], version: string): PriceTable {
  const byName = new Map<string, PriceEntry[]>();
  const add = (name: string, entry: PriceEntry) => {
    const key = normalizeModelName(name);
    const list = byName.get(key) ?? [];
    const sameProvider = list.findIndex((existing) => existing.provider === entry.provider);
    if (sameProvider >= 0) list.splice(sameProvider, 1);
    list.unshift(entry);
    byName.set(key, list);
  };
  for (const entry of entries) {
    add(entry.model, entry);
    for (const alias of entry.aliases ?? []) add(alias, entry);
  }
  // Every call looks its model up: normalizing a name costs a dozen regular expressions, so answers are kept
  // (bounded, as model names come from responses too).
  const answers = new ShapeCache<{ entry: PriceEntry | undefined }>();
  const find = (provider: string | undefined, model: string): PriceEntry | undefined => {
    const candidates = byName.get(normalizeModelName(model));
    if (candidates === undefined || candidates.length === 0) return undefined;
    if (provider === undefined) return candidates[0];
    for (const source of priceProvidersFor(provider)) {
      const match = candidates.find((entry) => entry.provider === source);
      if (match !== undefined) return match;
    }
    // A user's own entry without a provider prices the model for every provider.
    return candidates.find((entry) => entry.provider === undefined);
  };
  return {
    version,
    lookup(provider, model) {
      return answers.get([provider, model], () => ({ entry: find(provider, model) })).entry;
    },
  };
}

let loaded: { file: string | undefined; table: PriceTable } | undefined;

/** The bundled table with the user's price file merged over it; loaded once, never downloads anything. */
export function loadPriceTable(pricesFile: string | undefined): PriceTable {
  if (loaded !== undefined && loaded.file === pricesFile) return loaded.table;
  const entries: PriceEntry[] = [...(bundledPrices.models as PriceEntry[])];
  if (pricesFile !== undefined) {
    try {
      entries.push(...parsePriceFile(readFileSync(pricesFile, 'utf8'), pricesFile));
    } catch (error) {
      warnOnce(
        `prices:file:${pricesFile}`,
        `GENAI_OTEL_PRICES_FILE="${pricesFile}" could not be read (${error instanceof Error ? error.message : String(error)}); accepted is a JSON or YAML file of model prices; using the bundled table only`,
      );
    }
  }
  const table = createPriceTable(entries, BUNDLED_PRICES_VERSION);
  loaded = { file: pricesFile, table };
  return table;
}
