// Types of simulated-llm.mjs, for the TypeScript tests that start it.
export interface SimulatedLLMOptions {
  port?: number;
  seed?: number;
  speed?: number;
  rateLimitRate?: number;
}

export interface SimulatedLLM {
  baseURL: string;
  port: number;
  stats: { requests: number; rateLimited: number; streamed: number };
  close(): Promise<void>;
}

export function startSimulatedLLM(options?: SimulatedLLMOptions): Promise<SimulatedLLM>;
