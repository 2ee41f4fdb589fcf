/** The value metric attributes fall back to once too many distinct values were seen. */
export const OTHER_VALUE = '_OTHER';

/**
 * Keeps a metric attribute's cardinality bounded: the first `limit` distinct values pass, later new ones become
 * `_OTHER`. Application-chosen names (decision names, choices, models) cannot then blow up a metrics backend.
 *
 * @example
 * const models = new BoundedValues(50); models.admit('gpt-4o'); // 'gpt-4o', until 50 others came first
 */
export class BoundedValues {
  private readonly seen = new Set<string>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OTHER_VALUE;
    this.seen.add(value);
    return value;
  }
}
