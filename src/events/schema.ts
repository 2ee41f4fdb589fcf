/** The value types a field of an event can have. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'string[]' | 'number[]' | 'object' | 'any';

/** A field: its type (`'number'`), optional with a `?` (`'string?'`), or one of a list of strings (`['card', 'cash']`). */
export type FieldSpec = FieldType | `${FieldType}?` | readonly string[];

/**
 * The fields of an event, by name. Small on purpose: it covers what events carry, costs nothing at start-up, and its
 * payload type is inferred (`EventPayload<typeof schema>`).
 *
 * @example
 * const schema = { orderId: 'string', amount: 'number', coupon: 'string?', method: ['card', 'cash'] } as const;
 */
export type EventSchema = Readonly<Record<string, FieldSpec>>;

type ValueOf<T> = T extends 'string' | 'string?'
  ? string
  : T extends 'number' | 'number?' | 'integer' | 'integer?'
    ? number
    : T extends 'boolean' | 'boolean?'
      ? boolean
      : T extends 'string[]' | 'string[]?'
        ? string[]
        : T extends 'number[]' | 'number[]?'
          ? number[]
          : T extends 'object' | 'object?'
            ? Record<string, unknown>
            : T extends readonly string[]
              ? T[number]
              : unknown;

type OptionalKeys<S extends EventSchema> = { [K in keyof S]: S[K] extends `${string}?` ? K : never }[keyof S];
type RequiredKeys<S extends EventSchema> = Exclude<keyof S, OptionalKeys<S>>;

/** The payload an event of schema `S` takes. */
export type EventPayload<S extends EventSchema> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

/** A validator following the Standard Schema interface (zod 3.24+, valibot 1, arktype 2 implement it). */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  };
}

export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: readonly {
        readonly message: string;
        readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[];
      }[];
    };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim();
}

function checkField(spec: FieldSpec, value: unknown): string | undefined {
  if (Array.isArray(spec)) {
    return typeof value === 'string' && spec.includes(value)
      ? undefined
      : `must be one of ${spec.map((item) => JSON.stringify(item)).join(', ')}, got ${describe(value)}`;
  }
  const type = (spec as string).replace(/\?$/, '') as FieldType;
  const ok = (() => {
    switch (type) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'integer':
        return typeof value === 'number' && Number.isSafeInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'string[]':
        return Array.isArray(value) && value.every((item) => typeof item === 'string');
      case 'number[]':
        return Array.isArray(value) && value.every((item) => typeof item === 'number' && Number.isFinite(item));
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      default:
        return true;
    }
  })();
  return ok
    ? undefined
    : `must be ${type === 'integer' ? 'a whole number' : `of type ${type}`}, got ${describe(value)}`;
}

/** The problems of `payload` against `schema`, one readable line each (empty when it is valid). */
export function validatePayload(schema: EventSchema, payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return [`the payload must be an object, got ${describe(payload)}`];
  const problems: string[] = [];
  const fields = payload as Record<string, unknown>;
  for (const [name, spec] of Object.entries(schema)) {
    const value = fields[name];
    const optional = typeof spec === 'string' && spec.endsWith('?');
    if (value === undefined) {
      if (!optional) problems.push(`${name} is required`);
      continue;
    }
    const problem = checkField(spec, value);
    if (problem !== undefined) problems.push(`${name} ${problem}`);
  }
  for (const name of Object.keys(fields)) {
    if (!(name in schema))
      problems.push(`${name} is not in the schema (known fields: ${Object.keys(schema).join(', ')})`);
  }
  return problems;
}

/** Whether a schema's fields are well formed; the problems otherwise. */
export function checkSchema(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return ['the schema must be an object of field types, or a Standard Schema validator'];
  const types: readonly string[] = ['string', 'number', 'integer', 'boolean', 'string[]', 'number[]', 'object', 'any'];
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    if (
      Array.isArray(spec)
        ? spec.every((item) => typeof item === 'string') && spec.length > 0
        : typeof spec === 'string' && types.includes(spec.replace(/\?$/, ''))
    )
      continue;
    problems.push(
      `field ${name}: ${JSON.stringify(spec)} is not a type (${types.join(', ')}, with ? for optional, or a list of strings)`,
    );
  }
  return problems;
}

export function isStandardSchema(schema: unknown): schema is StandardSchema {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    typeof (schema as Partial<StandardSchema>)['~standard']?.validate === 'function'
  );
}

/** Readable lines for Standard Schema issues. */
export function describeIssues(
  issues: Extract<StandardResult<unknown>, { issues: readonly unknown[] }>['issues'],
): string[] {
  return issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
      .join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
}
