// The stand-in integration the preload puts in the AI SDK's registry: it lends the real @ai-sdk/otel integration,
// steps aside for one the app registered, applies genai-otel's content setting, and is inert when it cannot load.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAiSdkIntegration, enableAiSdkTelemetry } from '../../../src/instrumentations/ai-sdk-telemetry.ts';
import { resetGenAISettingsForTests } from '../../../src/config/genai-settings.ts';

/** Stands for @ai-sdk/otel's class (same name, the one the stand-in recognises); remembers what it was given. */
class OpenTelemetry {
  static last: OpenTelemetry | undefined;
  events: unknown[] = [];
  constructor() {
    OpenTelemetry.last = this;
  }
  onStart(event: unknown): string {
    this.events.push(event);
    return 'started';
  }
}

afterEach(() => {
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined;
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  resetGenAISettingsForTests();
});

test('lends the real integration’s methods, bound to it, loading it once at first use', () => {
  let loads = 0;
  const integration = createAiSdkIntegration(() => (loads++, { OpenTelemetry })) as Record<string, unknown>;
  assert.equal(loads, 0);
  const onStart = integration.onStart as (event: unknown) => string;
  assert.equal(onStart.call(undefined, { callId: 'a' }), 'started');
  assert.equal(typeof integration.onStart, 'function');
  assert.equal(integration.onEnd, undefined);
  assert.ok('onStart' in integration);
  assert.equal(loads, 1);
});

test('content capture off (the default): the events say recordInputs/recordOutputs false, unless the call said so itself', () => {
  const integration = createAiSdkIntegration(() => ({ OpenTelemetry })) as Record<string, (event: unknown) => string>;
  integration.onStart!({ callId: 'a', prompt: 'secret' });
  integration.onStart!({ callId: 'b', recordInputs: true, recordOutputs: true });
  assert.deepEqual(OpenTelemetry.last!.events, [
    { callId: 'a', prompt: 'secret', recordInputs: false, recordOutputs: false },
    { callId: 'b', recordInputs: true, recordOutputs: true },
  ]);
});

test('content capture on: the events pass as they are', () => {
  process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_ONLY';
  resetGenAISettingsForTests();
  const integration = createAiSdkIntegration(() => ({ OpenTelemetry })) as Record<string, (event: unknown) => string>;
  integration.onStart!({ callId: 'a', prompt: 'shown' });
  assert.deepEqual(OpenTelemetry.last!.events, [{ callId: 'a', prompt: 'shown' }]);
});

test('an @ai-sdk/otel integration the app registered: ours has nothing to offer, so no span is made twice', () => {
  const integration = createAiSdkIntegration(() => ({ OpenTelemetry })) as Record<string, unknown>;
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = [integration];
  assert.equal(typeof integration.onStart, 'function');
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS.push(new OpenTelemetry());
  assert.equal(integration.onStart, undefined);
  assert.ok(!('onStart' in integration));
});

test('another kind of integration the app registered (not OpenTelemetry): ours still makes the spans', () => {
  const integration = createAiSdkIntegration(() => ({ OpenTelemetry })) as Record<string, unknown>;
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = [integration, { onStart() {} }];
  assert.equal(typeof integration.onStart, 'function');
});

test('@ai-sdk/otel that throws when loaded: tried once, then nothing at all', () => {
  let loads = 0;
  const integration = createAiSdkIntegration(() => {
    loads++;
    throw new Error('broken');
  }) as Record<string, unknown>;
  assert.equal(integration.onStart, undefined);
  assert.equal(integration.executeLanguageModelCall, undefined);
  assert.ok(!('onStart' in integration));
  assert.equal(loads, 1);
});

test('enabled twice in one process (start() after the preload, two copies of genai-otel): one stand-in', () => {
  // This repository has ai 7 and @ai-sdk/otel installed, as an app would.
  assert.equal(enableAiSdkTelemetry(), true);
  assert.equal(enableAiSdkTelemetry(), true);
  assert.equal(globalThis.AI_SDK_TELEMETRY_INTEGRATIONS?.length, 1);
});

test('an integration of the app whose constructor getter throws: no error reaches the AI SDK, ours still works', () => {
  const integration = createAiSdkIntegration(() => ({ OpenTelemetry })) as Record<string, unknown>;
  const hostile = Object.defineProperty({}, 'constructor', {
    get() {
      throw new Error('hostile');
    },
  });
  globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = [integration, hostile];
  assert.equal(typeof integration.onStart, 'function');
});
