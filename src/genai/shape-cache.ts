import type { Attributes } from '@opentelemetry/api';

type Part = string | number | boolean | undefined;
type Level<T> = Map<Part, Level<T> | T>;

/**
 * Frozen values (metric attribute sets, price answers) by call shape, so that every call of one shape records with the same object: no
 * allocation per call, and the pre-bound metric series find their series by identity. Shapes are looked up by their
 * parts through nested maps (no key string is built per call). Bounded: past `maxShapes` (unbounded names from user
 * input?) it starts over rather than grow.
 *
 * @example
 * const toolAttributes = new ShapeCache();
 * histogram.record(seconds, toolAttributes.get([name, errorType], () => ({ 'gen_ai.tool.name': name })));
 */
export class ShapeCache<T extends object = Attributes> {
  private root: Level<T> = new Map();
  private size = 0;
  private readonly maxShapes: number;

  constructor(maxShapes = 1000) {
    this.maxShapes = maxShapes;
  }

  /** `parts` must always have the same length for one cache. */
  get(parts: readonly Part[], build: () => T): T {
    let level = this.root;
    const last = parts.length - 1;
    for (let index = 0; index < last; index++) {
      let next = level.get(parts[index]) as Level<T> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(parts[index], next);
      }
      level = next;
    }
    let value = level.get(parts[last]) as T | undefined;
    if (value === undefined) {
      if (this.size >= this.maxShapes) {
        this.root = new Map();
        this.size = 0;
        return this.get(parts, build);
      }
      value = Object.freeze(build());
      level.set(parts[last], value);
      this.size++;
    }
    return value;
  }
}
