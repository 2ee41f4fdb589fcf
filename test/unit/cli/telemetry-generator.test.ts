// bench/telemetry-generator.ts writes its JSON directly, for speed: each kind of span it writes must be what the
// package's own helpers make for that operation (name, kind, attribute names), or the bench and the reference test
// would measure something no app produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installMemorySdk } from '../../support/memory-sdk.ts';
import { generateTelemetry } from '../../../bench/telemetry-generator.ts';
import { ContextSpanProcessor } from '../../../src/context/processors.ts';
import { withContext } from '../../../src/context/with-context.ts';
import { withLLMCall } from '../../../src/genai/llm.ts';
import { withAgent, withMemoryOperation, withRetrieval, withToolCall } from '../../../src/genai/operations.ts';
import { spansOf } from '../../../src/cli/telemetry/otlp-json.ts';

const sdk = installMemorySdk({ spanProcessors: [new ContextSpanProcessor()] });
const OTLP_KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

async function oneTurnByThePackage(): Promise<void> {
  await withContext({ sessionId: 'session-1', userId: 'user-1' }, () =>
    withAgent({ name: 'support-bot', provider: 'openai', model: 'gpt-4o' }, async () => {
      await withMemoryOperation(
        { operation: 'search_memory', storeId: 'customer-facts', recordCount: 2 },
        async () => undefined,
      );
      const request = { provider: 'openai', model: 'gpt-4o-mini', serverAddress: 'api.openai.com', serverPort: 443 };
      await withLLMCall(request, async (call) => {
        call.recordRetry('rate_limited');
        call.recordChunk();
        call.setResponse({ model: 'gpt-4o-mini-2024-07-18' });
        call.setUsage({ inputTokens: 1200, outputTokens: 40, cacheReadInputTokens: 1024 });
      });
      await withLLMCall(request, async () => {
        throw new Error('Connection error.');
      }).catch(() => undefined);
      await withToolCall({ name: 'search_help_center', callId: 'call_1', type: 'function' }, () =>
        withRetrieval({ dataSourceId: 'help-center', topK: 2 }, async () => []),
      );
      await withToolCall({ name: 'lookup_order', callId: 'call_2', type: 'function' }, async () => {
        throw new Error('tool timed out');
      }).catch(() => undefined);
      await withMemoryOperation({ operation: 'upsert_memory', storeId: 'customer-facts', recordId: 'user-1' }, () =>
        Promise.resolve(),
      );
    }),
  );
}

test("each kind of generated span has the package's name, kind and attribute names for that operation", async () => {
  await oneTurnByThePackage();
  const byThePackage = new Map<string, { names: Set<string>; kinds: Set<string>; keys: Set<string> }>();
  for (const span of sdk.spans()) {
    const operation = String(span.attributes['gen_ai.operation.name']);
    const entry = byThePackage.get(operation) ?? { names: new Set(), kinds: new Set(), keys: new Set() };
    entry.names.add(span.name);
    entry.kinds.add(OTLP_KIND[span.kind]!);
    for (const key of Object.keys(span.attributes)) entry.keys.add(key);
    byThePackage.set(operation, entry);
  }

  const folder = mkdtempSync(join(tmpdir(), 'genai-otel-generator-'));
  try {
    await generateTelemetry({ directory: folder, spans: 3000, seed: 3 });
    const generated = readFileSync(join(folder, 'traces.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => spansOf(JSON.parse(line)));
    assert.ok(generated.length >= 3000);
    const operations = new Set<string>();
    for (const span of generated) {
      const operation = String(span.attributes['gen_ai.operation.name']);
      operations.add(operation);
      const expected = byThePackage.get(operation);
      assert.ok(expected !== undefined, `the package makes no ${operation} span`);
      assert.ok(expected.kinds.has(span.kind), `${span.name}: kind ${span.kind}, the package's ${[...expected.kinds]}`);
      const sameName = span.name.replace(/ .*/, '') === [...expected.names][0]!.replace(/ .*/, '');
      assert.ok(sameName, `${span.name} vs ${[...expected.names].join(', ')}`);
      for (const key of Object.keys(span.attributes))
        assert.ok(expected.keys.has(key), `${span.name}: ${key} is not an attribute the package sets on ${operation}`);
    }
    assert.deepEqual([...operations].sort(), [
      'chat',
      'execute_tool',
      'invoke_agent',
      'retrieval',
      'search_memory',
      'upsert_memory',
    ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
