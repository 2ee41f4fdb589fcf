// Writing spans into the local store with what the report needs to count each LLM call once: whether an LLM call is
// among a span's ancestors (store-schema.ts, LINEAGE_COLUMNS). Children usually end, and so are written, before their
// parents, and a parent may come in a later batch or from another process; so a span's lineage becomes known when its
// parent's is: a span is placed from its parent when that is stored (or as a root), and placing a span places its
// children already stored and waiting for it (found by the small `spans_unplaced` index), and theirs. Each span is
// placed once: the total work is linear. A span whose parent never comes stays unplaced, and the report counts it
// as it counts a call whose parent is outside the window.
//
// `storeWriterOf` runs in the store's thread (store-worker.ts, from its source text) and in `genai-otel import`: it
// must stay self-contained (no imports, no outer names).
import type { DatabaseSync } from 'node:sqlite';

/** What the writer is told: the schema's text and the span columns' order (store-schema.ts). */
export interface StoreWriterSettings {
  schema: string;
  indexes: string;
  schemaVersion: number;
  /** The span columns in the order of the rows given to writeSpans. */
  spanColumns: readonly string[];
  /** The columns version 1 lacked, as `ALTER TABLE … ADD COLUMN` takes them. */
  lineageColumns: readonly string[];
  /** The columns versions 1 and 2 lacked (the session facts), as `ALTER TABLE … ADD COLUMN` takes them. */
  factColumns: readonly string[];
  /** For each of factColumns, the SQL expression that fills it from a row's attributes. */
  factFills: Readonly<Record<string, string>>;
  llmOperations: readonly string[];
}

/** The writer of one connection. */
export interface StoreWriter {
  /**
   * Creates the tables, brings a store of an older version up to date (placing every span once, `onProgress` told
   * now and then), and creates the indexes. Runs its own transaction.
   */
  prepare(onProgress?: (done: number, total: number) => void): void;
  /** Inserts rows (ids as bytes; a span already stored is kept once) and places them; call inside a transaction. */
  writeSpans(rows: readonly unknown[][]): number;
}

/**
 * The span writer of a connection.
 *
 * @example
 * const writer = storeWriterOf(db, settings);
 * writer.prepare();
 * db.exec('BEGIN IMMEDIATE'); writer.writeSpans(rows); db.exec('COMMIT');
 */
export function storeWriterOf(db: DatabaseSync, settings: StoreWriterSettings): StoreWriter {
  const column = (name: string) => settings.spanColumns.indexOf(name);
  const START = column('start_ns');
  const TRACE = column('trace_id');
  const SPAN = column('span_id');
  const PARENT = column('parent_span_id');
  const OPERATION = column('operation');
  const DUPLICATE = column('call_duplicate');
  const llmOperations = new Set(settings.llmOperations);
  /** A lineage: [llm_above, above_first_ns, above_last_ns]; undefined while unknown. */
  type Lineage = [0 | 1, bigint | null, bigint | null];
  const NONE: Lineage = [0, null, null];
  type Statement = ReturnType<DatabaseSync['prepare']>;
  let statements: Record<'insert' | 'parent' | 'waiting' | 'place', Statement> | undefined;

  const prepared = () => {
    if (statements !== undefined) return statements;
    const columns = [...settings.spanColumns, 'llm_above', 'above_first_ns', 'above_last_ns'];
    const parent = db.prepare(
      'SELECT start_ns, operation, call_duplicate, llm_above, above_first_ns, above_last_ns FROM spans WHERE trace_id = ? AND span_id = ?',
    );
    const waiting = db.prepare(
      'SELECT rowid AS id, span_id, start_ns, operation, call_duplicate FROM spans WHERE trace_id = ? AND parent_span_id = ? AND llm_above IS NULL',
    );
    // Nanosecond times pass 2^53: read as bigints.
    parent.setReadBigInts(true);
    waiting.setReadBigInts(true);
    statements = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO spans (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      ),
      parent,
      waiting,
      place: db.prepare('UPDATE spans SET llm_above = ?, above_first_ns = ?, above_last_ns = ? WHERE rowid = ?'),
    };
    return statements;
  };

  const isCall = (operation: unknown, duplicate: unknown) =>
    typeof operation === 'string' && llmOperations.has(operation) && (duplicate === null || duplicate === undefined);

  /** What a span hands its children: itself when it is a call, else its own lineage widened by its start. */
  const handedDown = (call: boolean, start: bigint, own: Lineage | undefined): Lineage | undefined => {
    if (call) return [1, start, start];
    if (own === undefined || own[0] === 0) return own;
    const first = own[1]!;
    const last = own[2]!;
    return [1, start < first ? start : first, start > last ? start : last];
  };

  /** The lineage a child of (trace, parent) gets from the stored parent; undefined while the parent is missing. */
  const fromParent = (trace: Uint8Array, parentId: unknown): Lineage | undefined => {
    if (parentId === null || parentId === undefined) return NONE;
    const parent = prepared().parent.get(trace, parentId as Uint8Array);
    if (parent === undefined) return undefined;
    const own =
      parent.llm_above === null
        ? undefined
        : ([Number(parent.llm_above) as 0 | 1, parent.above_first_ns, parent.above_last_ns] as Lineage);
    return handedDown(isCall(parent.operation, parent.call_duplicate), parent.start_ns as bigint, own);
  };

  /** Places the stored children waiting for a span, and theirs (a stack, not recursion: traces can be deep). */
  const placeChildren = (trace: Uint8Array, spanId: Uint8Array, handed: Lineage) => {
    const { waiting, place } = prepared();
    const stack: [Uint8Array, Lineage][] = [[spanId, handed]];
    while (stack.length > 0) {
      const [id, lineage] = stack.pop()!;
      for (const child of waiting.all(trace, id)) {
        place.run(lineage[0], lineage[1], lineage[2], child.id as bigint);
        const next = handedDown(isCall(child.operation, child.call_duplicate), child.start_ns as bigint, lineage);
        stack.push([child.span_id as Uint8Array, next!]);
      }
    }
  };

  const startOf = (row: readonly unknown[]) => row[START] as bigint | number;

  /** A key of a (trace, span) pair, for the batch's own lookups. */
  const keyOf = (trace: Uint8Array, span: unknown) =>
    span === null || span === undefined
      ? ''
      : Buffer.from(trace.buffer, trace.byteOffset, trace.byteLength).toString('latin1') +
        Buffer.from(
          (span as Uint8Array).buffer,
          (span as Uint8Array).byteOffset,
          (span as Uint8Array).byteLength,
        ).toString('latin1');

  const writeSpans = (rows: readonly unknown[][]): number => {
    const { insert } = prepared();
    // What the batch's spans hand down, once known (it never changes then): a child in the same batch needs no lookup.
    const handedInBatch = new Map<string, Lineage>();
    // Oldest first: a parent starts before its children, so most children find it stored and need no second write.
    const ordered = rows.slice().sort((a, b) => {
      const left = startOf(a);
      const right = startOf(b);
      return left < right ? -1 : left > right ? 1 : 0;
    });
    let written = 0;
    for (const row of ordered) {
      const trace = row[TRACE] as Uint8Array;
      const known = handedInBatch.get(keyOf(trace, row[PARENT]));
      const lineage = known ?? fromParent(trace, row[PARENT]);
      const changes = insert.run(
        ...(row as Parameters<Statement['run']>),
        lineage?.[0] ?? null,
        lineage?.[1] ?? null,
        lineage?.[2] ?? null,
      ).changes;
      if (Number(changes) === 0) continue; // already stored (imported twice): placed then
      written++;
      const handed = handedDown(isCall(row[OPERATION], row[DUPLICATE]), BigInt(startOf(row)), lineage);
      if (handed === undefined) continue;
      handedInBatch.set(keyOf(trace, row[SPAN]), handed);
      placeChildren(trace, row[SPAN] as Uint8Array, handed);
    }
    return written;
  };

  /** Places every span of a store written before lineages were kept, in rowid order, a chunk at a time. */
  const placeAll = (onProgress?: (done: number, total: number) => void) => {
    const total = Number(db.prepare('SELECT count(*) AS n FROM spans').get()!.n);
    const chunk = db.prepare(
      'SELECT rowid AS id, trace_id, span_id, parent_span_id, start_ns, operation, call_duplicate, llm_above FROM spans WHERE rowid > ? ORDER BY rowid LIMIT 5000',
    );
    chunk.setReadBigInts(true);
    const { place } = prepared();
    let after = 0n;
    let done = 0;
    for (;;) {
      const rows = chunk.all(after);
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.id as bigint;
        done++;
        if (row.llm_above !== null) continue; // placed already, from its parent
        const trace = row.trace_id as Uint8Array;
        const lineage = fromParent(trace, row.parent_span_id);
        if (lineage !== undefined) place.run(lineage[0], lineage[1], lineage[2], row.id as bigint);
        const handed = handedDown(isCall(row.operation, row.call_duplicate), row.start_ns as bigint, lineage);
        if (handed !== undefined) placeChildren(trace, row.span_id as Uint8Array, handed);
      }
      onProgress?.(done, total);
    }
  };

  /** Fills columns a store written before them lacks from each row's attributes, a range of rowids at a time. */
  const fillFacts = (columns: readonly string[], onProgress?: (done: number, total: number) => void) => {
    const last = Number(db.prepare('SELECT coalesce(max(rowid), 0) AS n FROM spans').get()!.n);
    const fill = db.prepare(
      `UPDATE spans SET ${columns.map((name) => `${name} = ${settings.factFills[name]!}`).join(', ')} WHERE rowid BETWEEN ? AND ?`,
    );
    for (let from = 1; from <= last; from += 50_000) {
      fill.run(from, from + 49_999);
      onProgress?.(Math.min(last, from + 49_999), last);
    }
  };

  const prepare = (onProgress?: (done: number, total: number) => void) => {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(settings.schema);
      const version = Number(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value ?? 0);
      if (version < settings.schemaVersion) {
        const present = new Set(
          db
            .prepare('PRAGMA table_info(spans)')
            .all()
            .map((info) => String(info.name)),
        );
        const missing = (definitions: readonly string[]) =>
          definitions.filter((definition) => !present.has(definition.split(' ')[0]!));
        const lineage = missing(settings.lineageColumns);
        const facts = missing(settings.factColumns);
        for (const definition of [...lineage, ...facts]) db.exec(`ALTER TABLE spans ADD COLUMN ${definition}`);
        db.exec(settings.indexes);
        if (facts.length > 0)
          fillFacts(
            facts.map((definition) => definition.split(' ')[0]!),
            onProgress,
          );
        if (lineage.length > 0) placeAll(onProgress);
        db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(settings.schemaVersion));
      } else db.exec(settings.indexes);
      db.exec('COMMIT');
    } catch (error) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // no transaction left to roll back
      }
      statements = undefined;
      throw error;
    }
  };

  return { prepare, writeSpans };
}
