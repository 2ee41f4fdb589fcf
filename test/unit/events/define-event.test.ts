// Typed events: valid payloads become log records with the event name and the active trace ids; invalid ones are
// not sent and are reported once, naming the field; nothing throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { ContextLogRecordProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { defineEvent } from '../../../src/events/define-event.ts';
import type { StandardSchema } from '../../../src/events/schema.ts';
import { withSpan } from '../../../src/genai/operations.ts';

const sdk = installMemorySdk({ logRecordProcessors: [new ContextLogRecordProcessor()] });
const warnings: string[] = [];
diag.setLogger(
  { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.WARN,
);

const checkout = defineEvent('shop.checkout', {
  orderId: 'string',
  amount: 'number',
  items: 'integer',
  coupon: 'string?',
  method: ['card', 'cash'],
  tags: 'string[]?',
} as const);

function recordsOf(name: string) {
  return sdk.logs().filter((record) => record.eventName === name);
}

test('a valid payload is sent as a log record named after the event, fields as attributes, with the trace and session ids', () => {
  const span = withContext({ sessionId: 'sess-ev' }, () =>
    withSpan('checkout', (active) => {
      assert.equal(checkout.emit({ orderId: 'o-1', amount: 42.5, items: 2, method: 'card', tags: ['gift'] }), true);
      return active;
    }),
  );
  const [record] = recordsOf('shop.checkout');
  assert.ok(record);
  assert.deepEqual(
    {
      orderId: record.attributes.orderId,
      amount: record.attributes.amount,
      items: record.attributes.items,
      method: record.attributes.method,
      tags: record.attributes.tags,
    },
    { orderId: 'o-1', amount: 42.5, items: 2, method: 'card', tags: ['gift'] },
  );
  assert.equal(record.spanContext?.traceId, span.spanContext().traceId);
  assert.equal(record.spanContext?.spanId, span.spanContext().spanId);
  assert.equal(record.attributes['session.id'], 'sess-ev');
  assert.equal(record.severityText, 'INFO');
});

test('invalid payloads are not sent; the diagnostic names the event, the field, what was expected and what came', () => {
  const before = recordsOf('shop.checkout').length;
  assert.equal(checkout.emit({ orderId: 'o-2', amount: '42' as never, items: 1.5, method: 'card' }), false);
  assert.equal(checkout.emit({ orderId: 'o-3', amount: 1, items: 1, method: 'bitcoin' as never }), false);
  assert.equal(checkout.emit({ amount: 1, items: 1, method: 'cash' } as never), false);
  assert.equal(checkout.emit({ orderId: 'o-4', amount: 1, items: 1, method: 'cash', cupon: 'typo' } as never), false);
  assert.equal(checkout.emit('not an object' as never), false);
  assert.equal(recordsOf('shop.checkout').length, before);
  const text = warnings.join('\n');
  assert.match(
    text,
    /event "shop\.checkout" was not sent: amount must be of type number, got string "42"; items must be a whole number, got number 1\.5/,
  );
  assert.match(text, /method must be one of "card", "cash", got string "bitcoin"/);
  assert.match(text, /orderId is required/);
  assert.match(text, /cupon is not in the schema \(known fields: orderId, amount, items, coupon, method, tags\)/);
  assert.match(text, /the payload must be an object/);
});

test('the same bad payload repeated is reported once', () => {
  const count = () => warnings.filter((warning) => warning.includes('orderId is required')).length;
  const seen = count();
  for (let index = 0; index < 5; index++) checkout.emit({ amount: 1, items: 1, method: 'cash' } as never);
  assert.equal(count(), seen);
});

test('a broken schema is reported at definition; its fields then accept anything, so events still flow', () => {
  const loose = defineEvent('app.loose', { count: 'numbr' } as never);
  assert.ok(
    warnings.some((warning) => warning.includes('defineEvent("app.loose"): field count: "numbr" is not a type')),
  );
  assert.equal(loose.emit({ count: 3 } as never), true);
  assert.equal(recordsOf('app.loose').length, 1);
});

test('a Standard Schema validator (the interface zod, valibot and arktype implement) is accepted; its issues are reported', () => {
  const positive: StandardSchema<{ n: number }> = {
    '~standard': {
      version: 1,
      validate: (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { n?: unknown }).n === 'number' &&
        (value as { n: number }).n > 0
          ? { value: value as { n: number } }
          : { issues: [{ message: 'must be a positive number', path: ['n'] }] },
    },
  };
  const event = defineEvent('app.standard', positive);
  assert.equal(event.emit({ n: 2 }), true);
  assert.equal(event.emit({ n: -1 }), false);
  assert.equal(recordsOf('app.standard').length, 1);
  assert.ok(
    warnings.some((warning) => warning.includes('event "app.standard" was not sent: n: must be a positive number')),
  );
});
