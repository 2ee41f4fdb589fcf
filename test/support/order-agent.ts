// The agent run the Agents SDK bridge tests share: one agent with one function tool (`lookup_order`), asked where an
// order is, its traces flushed before it returns.

type AgentsSdk = typeof import('@openai/agents');
type Zod = (typeof import('zod'))['z'];

/**
 * Runs the order assistant once through `agents` (the SDK copy the test loaded), flushes its trace processors and
 * returns the run's final output.
 *
 * @example
 * await runOrderAgent(require('@openai/agents'), require('zod').z);
 */
export async function runOrderAgent(agents: AgentsSdk, z: Zod): Promise<unknown> {
  const lookup = agents.tool({
    name: 'lookup_order',
    description: 'Finds an order',
    parameters: z.object({ order_id: z.string() }),
    execute: async ({ order_id }) => `${order_id}: shipped`,
  });
  const agent = new agents.Agent({
    name: 'Order assistant',
    instructions: 'Answer.',
    model: 'gpt-4o-mini',
    tools: [lookup],
  });
  const result = await agents.run(agent, 'Where is my order A-1?');
  await agents.getGlobalTraceProvider().forceFlush();
  return result.finalOutput;
}
