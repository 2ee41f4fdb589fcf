// The set-up the tests of OpenInference's Agents SDK bridge share: the real `@openai/agents` (and zod, for the order
// agent's tool), its default client an `openai` client pointed at the local fake provider's tool loop, and
// OpenInference's trace processor registered as its README says. The fake provider starts before the file's tests and
// closes after them.
import { after, before } from 'node:test';
import { createRequire } from 'node:module';
import { fakeClientOptions, startFakeProvider, type FakeProvider } from './fake-provider.ts';

type AgentsSdk = typeof import('@openai/agents');

export interface OpenInferenceAgents {
  agents: AgentsSdk;
  z: (typeof import('zod'))['z'];
}

/**
 * Loads the Agents SDK and registers `before`/`after` hooks that start the fake provider, give the SDK a client of it
 * and register OpenInference's processor (which replaces the SDK's: no export to OpenAI's platform from a test).
 * `openai` is loaded here, at the call: an instrumentation that patches it on load must be created before.
 * `beforeOpenInference` runs in the `before` hook ahead of OpenInference's registration (e.g. genai-otel's own
 * processor, as the preload installs it first).
 *
 * @example
 * const { agents, z } = useOpenInferenceAgents();
 * test('…', async () => { await runOrderAgent(agents, z); });
 */
export function useOpenInferenceAgents(beforeOpenInference?: (agents: AgentsSdk) => void): OpenInferenceAgents {
  const require = createRequire(import.meta.url);
  const { OpenAI } = require('openai') as typeof import('openai');
  const agents = require('@openai/agents') as AgentsSdk;
  const { z } = require('zod') as typeof import('zod');
  const { OpenAIAgentsInstrumentation } =
    require('@arizeai/openinference-instrumentation-openai-agents') as typeof import('@arizeai/openinference-instrumentation-openai-agents');
  let provider: FakeProvider | undefined;
  before(async () => {
    provider = await startFakeProvider();
    beforeOpenInference?.(agents);
    new OpenAIAgentsInstrumentation().manuallyInstrument(agents as never);
    agents.setDefaultOpenAIClient(new OpenAI(fakeClientOptions(provider, 'tool-loop')));
  });
  after(() => provider?.close());
  return { agents, z };
}
