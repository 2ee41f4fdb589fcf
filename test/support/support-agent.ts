// Runs the sample support agent (examples/support-agent) under the preload against the simulated OpenAI API, and the
// genai-otel CLI as a user would: real child processes, the real openai client, the built dist/.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSimulatedLLM } from '../../examples/support-agent/simulated-llm.mjs';
import { repositoryRoot, runFixture, type FixtureResult } from './run-fixture.ts';

export const cliPath = fileURLToPath(new URL('../../dist/cli/genai-otel.js', import.meta.url));
const agentPath = fileURLToPath(new URL('../../examples/support-agent/agent.cjs', import.meta.url));

export interface AgentRun extends FixtureResult {
  /** The trace ids the agent printed, in the order it printed them. */
  traceIds: string[];
  /** What the simulated provider served: requests, 429s, streams. */
  llm: { requests: number; rateLimited: number; streamed: number };
}

/** The trace ids in a run's output (`trace <32 hex digits>`), first appearance first. */
export function traceIdsIn(output: string): string[] {
  return [...new Set([...output.matchAll(/trace ([0-9a-f]{32})/g)].map((match) => match[1]!))];
}

/** Runs the agent once; `speed` divides every simulated latency. */
export async function runSupportAgent(env: Record<string, string | undefined>, speed = 8): Promise<AgentRun> {
  const llm = await startSimulatedLLM({ seed: 7, speed });
  try {
    const result = await runFixture(agentPath, {
      nodeArgs: ['--require', 'genai-otel/register'],
      env: { ...env, OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'sk-test', DEMO_SPEED: String(speed) },
      timeoutMillis: 60_000,
    });
    return { ...result, traceIds: traceIdsIn(result.stdout), llm: { ...llm.stats } };
  } finally {
    await llm.close();
  }
}

/** Runs `genai-otel <args>` with `env` (its only environment) in the repository. */
export function runCli(args: string[], env: Record<string, string | undefined>): Promise<FixtureResult> {
  return runFixture(cliPath, { args, env, timeoutMillis: 30_000 });
}

export { repositoryRoot };

/** A loopback port nothing listens on (bound, then released): an endpoint where no collector answers. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
