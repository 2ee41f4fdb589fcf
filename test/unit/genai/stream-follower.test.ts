// followStream: the consumer of a followed stream gets its own chunks, end and errors whatever the follower's
// callbacks do; a callback that throws is said once and changes nothing in the consumer's loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { followStream } from '../../../src/genai/stream-follower.ts';

const errors: string[] = [];
diag.setLogger(
  { error: (m) => errors.push(m), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
  DiagLogLevel.ERROR,
);

/** A stream as the openai client makes one: an `iterator` factory on the instance. */
function streamOf(chunks: unknown[], failure?: Error): { iterator: () => AsyncIterator<unknown> } {
  return {
    iterator: async function* () {
      for (const chunk of chunks) yield chunk;
      if (failure !== undefined) throw failure;
    },
  };
}

const throwing = {
  chunk: () => {
    throw new Error('chunk callback fails');
  },
  done: () => {
    throw new Error('done callback fails');
  },
  failed: () => {
    throw new Error('failed callback fails');
  },
  stopped: () => {
    throw new Error('stopped callback fails');
  },
};

async function read(stream: { iterator: () => AsyncIterator<unknown> }, stopAfter = Infinity): Promise<unknown[]> {
  const received: unknown[] = [];
  const iterable = { [Symbol.asyncIterator]: () => stream.iterator() };
  for await (const chunk of iterable) {
    received.push(chunk);
    if (received.length >= stopAfter) break;
  }
  return received;
}

test('callbacks that throw never reach the consumer: same chunks, same end, same error', async () => {
  errors.length = 0;
  const chunks = [{ n: 1 }, { n: 2 }, { n: 3 }];
  const stream = streamOf(chunks);
  followStream(stream, 'iterator', 60_000, throwing);
  const received = await read(stream);
  assert.equal(received.length, 3);
  received.forEach((chunk, index) => assert.equal(chunk, chunks[index], 'the same objects'));

  const early = streamOf(chunks);
  followStream(early, 'iterator', 60_000, throwing);
  assert.equal((await read(early, 1)).length, 1);

  const failure = new Error('the provider failed');
  const failing = streamOf(chunks, failure);
  followStream(failing, 'iterator', 60_000, throwing);
  await assert.rejects(read(failing), (error) => error === failure);

  assert.ok(errors.length > 0 && errors.length <= 2, errors.join('\n'));
});
