import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { GenAIOtelConfig, InstrumentationName } from '../config/config-types.ts';
import { debug, errorOnce } from '../core/diagnostics.ts';
import { enableAiSdkTelemetry } from './ai-sdk-telemetry.ts';
import { createAnthropicInstrumentation } from './anthropic.ts';
import { createBedrockInstrumentation } from './bedrock.ts';
import { createChromaInstrumentation } from './chroma.ts';
import { createCohereInstrumentation } from './cohere.ts';
import { createGoogleGenAIInstrumentation } from './google-genai.ts';
import { createGroqInstrumentation } from './groq.ts';
import { createOllamaInstrumentation } from './ollama.ts';
import { LLMSpanProcessor } from './llm-span-processor.ts';
import { createLangChainInstrumentation } from './langchain-auto.ts';
import { createMastraInstrumentation } from './mastra.ts';
import { createMcpInstrumentation } from './mcp.ts';
import { createMistralInstrumentation } from './mistral.ts';
import { createOpenAIInstrumentation } from './openai.ts';
import { createOpenAIAgentsInstrumentation } from './openai-agents.ts';
import { createPgvectorInstrumentation } from './pgvector.ts';
import { createPineconeInstrumentation } from './pinecone.ts';
import { createQdrantInstrumentation } from './qdrant.ts';

/**
 * The span processor that completes the spans of the official OpenAI instrumentation (always: `instrument(client)`
 * makes them without global patching), with `ai-sdk` those of the Vercel AI SDK, and the GenAI spans of any other
 * library (always: they are made whether genai-otel hooks the library or not).
 */
export function createLLMSpanProcessor(config: GenAIOtelConfig): SpanProcessor {
  return new LLMSpanProcessor({ openai: true, aiSdk: config.instrumentations.includes('ai-sdk'), others: true });
}

/**
 * The npm packages each patching instrumentation hooks (any one installed enables it), by a module they export (the
 * MCP SDK's own main entry, `dist/cjs/index.js`, is missing from its 1.x packages, so its hooked module is looked up
 * instead; its 2.x is two packages).
 */
const PACKAGES: Partial<Record<InstrumentationName, string | string[]>> = {
  openai: 'openai',
  anthropic: '@anthropic-ai/sdk',
  'google-genai': '@google/genai',
  bedrock: '@aws-sdk/client-bedrock-runtime',
  mistral: '@mistralai/mistralai',
  cohere: 'cohere-ai',
  ollama: 'ollama',
  groq: 'groq-sdk',
  mcp: ['@modelcontextprotocol/sdk/shared/protocol.js', '@modelcontextprotocol/client', '@modelcontextprotocol/server'],
  'openai-agents': '@openai/agents-core',
  langchain: '@langchain/core/callbacks/manager',
  mastra: '@mastra/core',
  pinecone: '@pinecone-database/pinecone',
  qdrant: '@qdrant/js-client-rest',
  chroma: 'chromadb',
  pgvector: 'pg',
};

/**
 * Whether the application can load `name`, looked up from the working directory and from the main script's folder,
 * without loading it: an application without `openai` does not pay for its instrumentation.
 */
export function isInstalled(name: string): boolean {
  const bases = [process.cwd(), process.argv[1] === undefined ? undefined : join(process.argv[1], '..')];
  for (const base of bases) {
    if (base === undefined) continue;
    try {
      createRequire(join(base, 'genai-otel-lookup.js')).resolve(name);
      return true;
    } catch (error) {
      // An ESM-only package has no CommonJS entry to resolve, but it is there.
      if ((error as { code?: string }).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return true;
    }
  }
  return false;
}

/**
 * Enables the instrumentations the configuration asks for, each loaded only when its library is installed, and
 * returns the names of those on. Runs inside `start()`, after the providers are registered and before the
 * application loads those libraries (the ESM preload waits for the hooks they register).
 */
export function enableInstrumentations(config: GenAIOtelConfig): {
  names: InstrumentationName[];
  instrumentations: Instrumentation[];
} {
  const enabled: { names: InstrumentationName[]; instrumentations: Instrumentation[] } = {
    names: [],
    instrumentations: [],
  };
  for (const name of config.instrumentations) {
    const packages = PACKAGES[name];
    const packageNames = packages === undefined ? [] : typeof packages === 'string' ? [packages] : packages;
    if (packageNames.length > 0 && !packageNames.some((packageName) => isInstalled(packageName))) {
      debug(`${packageNames.join(', ')}: not installed, so their instrumentation is not loaded`);
      continue;
    }
    try {
      if (name === 'openai') {
        // The official instrumentation and @opentelemetry/instrumentation are required inside, only now.
        enabled.instrumentations.push(createOpenAIInstrumentation({ captureContent: config.genai.captureContent }));
      } else if (name === 'anthropic') {
        enabled.instrumentations.push(createAnthropicInstrumentation());
      } else if (name === 'google-genai') {
        enabled.instrumentations.push(createGoogleGenAIInstrumentation());
      } else if (name === 'bedrock') {
        enabled.instrumentations.push(createBedrockInstrumentation());
      } else if (name === 'mistral') {
        enabled.instrumentations.push(createMistralInstrumentation());
      } else if (name === 'cohere') {
        enabled.instrumentations.push(createCohereInstrumentation());
      } else if (name === 'ollama') {
        enabled.instrumentations.push(createOllamaInstrumentation());
      } else if (name === 'groq') {
        enabled.instrumentations.push(createGroqInstrumentation());
      } else if (name === 'mcp') {
        enabled.instrumentations.push(createMcpInstrumentation());
      } else if (name === 'openai-agents') {
        enabled.instrumentations.push(createOpenAIAgentsInstrumentation());
      } else if (name === 'langchain') {
        enabled.instrumentations.push(createLangChainInstrumentation());
      } else if (name === 'mastra') {
        enabled.instrumentations.push(createMastraInstrumentation());
      } else if (name === 'pinecone') {
        enabled.instrumentations.push(createPineconeInstrumentation());
      } else if (name === 'qdrant') {
        enabled.instrumentations.push(createQdrantInstrumentation());
      } else if (name === 'chroma') {
        enabled.instrumentations.push(createChromaInstrumentation());
      } else if (name === 'pgvector') {
        enabled.instrumentations.push(createPgvectorInstrumentation());
      } else if (name === 'ai-sdk') {
        enableAiSdkTelemetry();
      }
      enabled.names.push(name);
    } catch (error) {
      errorOnce(
        `instrumentation:${name}`,
        `could not enable the ${name} instrumentation; those calls are not traced`,
        error,
      );
    }
  }
  return enabled;
}
