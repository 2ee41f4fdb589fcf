// The notification budget: notification spans per connection and method are capped (a burst, then a steady rate), so
// a server sending progress updates by the hundred cannot flood the trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOTIFICATION_BURST,
  NOTIFICATION_SPANS_PER_SECOND,
  mayTraceNotification,
} from '../../../src/instrumentations/mcp-notification-budget.ts';

const traced = (protocol: object, method: string, count: number, now: number): number => {
  let yes = 0;
  for (let i = 0; i < count; i++) if (mayTraceNotification(protocol, method, now)) yes++;
  return yes;
};

test('a burst is traced, the rest of a flood is not, and the budget refills with time', () => {
  const connection = {};
  assert.equal(traced(connection, 'notifications/progress', 500, 1000), NOTIFICATION_BURST);
  // One second later: that second's share, no more.
  assert.equal(traced(connection, 'notifications/progress', 500, 2000), NOTIFICATION_SPANS_PER_SECOND);
  // A long pause refills up to the burst, never beyond.
  assert.equal(traced(connection, 'notifications/progress', 500, 1_000_000), NOTIFICATION_BURST);
});

test('each method and each connection has its own budget; no connection object, no budget', () => {
  const first = {};
  const second = {};
  assert.equal(traced(first, 'notifications/progress', 100, 0), NOTIFICATION_BURST);
  assert.equal(traced(first, 'notifications/message', 100, 0), NOTIFICATION_BURST);
  assert.equal(traced(second, 'notifications/progress', 100, 0), NOTIFICATION_BURST);
  assert.equal(traced(undefined as unknown as object, 'notifications/progress', 100, 0), 100);
});
