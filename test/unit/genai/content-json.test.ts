// Content is serialised without safeJson's per-value replacer where the value is plain data (and without its walk
// where the messages were made here from text): the JSON must be exactly what the replacer gives, for any value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replacedJson, safeJson, truncate } from '../../../src/attributes/safe-values.ts';
import { inputMessagesJson, toConventionMessages } from '../../../src/genai/content.ts';

/** The replacer path (every value through the replacer, as safeJson always did): what the fast paths must match. */
const referenceJson = (value: unknown, maxLength: number): string =>
  truncate(typeof value === 'string' ? value : replacedJson(value), maxLength);

const anyValue = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
  withObjectString: true,
  maxDepth: 4,
});

/** Values met twice (shared or circular), toJSON, getters, class instances: where the replacer path must be taken. */
function awkwardValues(value: unknown): unknown[] {
  const shared = { value };
  const cyclic: Record<string, unknown> = { value };
  cyclic.self = cyclic;
  const list: unknown[] = [value];
  list.push(list);
  class Box {
    inner = value;
  }
  return [
    [shared, shared],
    { a: shared, b: [shared] },
    cyclic,
    list,
    { toJSON: () => [value, value] },
    Object.assign([value], { toJSON: () => 'array with toJSON' }),
    {
      get computed() {
        return [value];
      },
    },
    new Box(),
    { [Symbol('hidden')]: value, shown: value },
    { fn: () => value, value },
    Object.create({ inherited: value }),
  ];
}

test('safeJson gives the replacer path’s JSON for any value, shared, circular or not, cut where asked', () => {
  fc.assert(
    fc.property(anyValue, fc.constantFrom(Number.MAX_SAFE_INTEGER, 16384, 20), (value, maxLength) => {
      for (const item of [value, ...awkwardValues(value)])
        assert.equal(safeJson(item, maxLength), referenceJson(item, maxLength));
    }),
    { numRuns: 1500 },
  );
  assert.equal(safeJson({ big: 10n, list: [1n] }, 1000), '{"big":"10","list":["1"]}');
  const shared = { id: 1 };
  assert.equal(safeJson([shared, shared], 1000), '[{"id":1},"[Circular]"]');
});

const message = fc.oneof(
  fc.string(),
  fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: fc.string() }),
  fc.record({ role: fc.oneof(fc.string(), anyValue), content: anyValue }, { requiredKeys: [] }),
  fc.record({
    role: fc.constant('user'),
    content: fc.array(
      fc.oneof(
        fc.string(),
        anyValue,
        fc.record({ type: fc.constant('text'), text: fc.string() }),
        fc.record({ type: fc.constant('tool_use'), id: fc.string(), name: fc.string(), input: anyValue }),
        fc.record({ type: fc.constant('tool_result'), tool_use_id: fc.string(), content: anyValue }),
      ),
      { maxLength: 4 },
    ),
  }),
  fc.record({ role: fc.constant('user'), parts: fc.array(anyValue, { maxLength: 3 }) }),
  fc.record({
    role: fc.constant('assistant'),
    content: fc.option(fc.string()),
    tool_calls: fc.array(
      fc.record({ id: fc.string(), function: fc.record({ name: fc.string(), arguments: anyValue }) }),
      { maxLength: 2 },
    ),
  }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.string(), content: anyValue }),
  anyValue,
);

test('gen_ai.input.messages is the replacer path’s JSON of the conventions’ messages, for any messages', () => {
  fc.assert(
    fc.property(
      fc.array(message, { maxLength: 6 }),
      fc.constantFrom(Number.MAX_SAFE_INTEGER, 16384, 40),
      (messages, maxLength) => {
        assert.equal(inputMessagesJson(messages, maxLength), referenceJson(toConventionMessages(messages), maxLength));
      },
    ),
    { numRuns: 1500 },
  );
  // A part object the caller shares between two messages stays "[Circular]" the second time, as before.
  const part = { type: 'text', content: 'same' };
  const messages = [
    { role: 'user', parts: [part] },
    { role: 'user', parts: [part] },
  ];
  assert.equal(
    inputMessagesJson(messages, 1000),
    '[{"role":"user","parts":[{"type":"text","content":"same"}]},{"role":"user","parts":["[Circular]"]}]',
  );
});
