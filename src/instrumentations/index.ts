import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { GenAIOtelConfig, InstrumentationName } from '../config/config-types.ts';
import { debug, errorOnce, warnOnce } from '../core/diagnostics.ts';
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
import { createWeaviateInstrumentation } from './weaviate.ts';
import { createLlamaIndexInstrumentation } from './llamaindex.ts';
import { createPineconeInstrumentation } from './pinecone.ts';
import { createQdrantInstrumentation } from './qdrant.ts';
import { createServerInstrumentation, isServerInstrumentation, SERVER_PACKAGES } from './http-servers.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { enableOnFirstHttpUse } from './http-first-use.ts';
import { importedFile, patchImportedCopies } from './esm-copies.ts';
import { enableNest12 } from './nest-core-12.ts';

type PatchFunction = (exports: unknown, version?: string) => unknown;
interface PatchableDefinition {
  patch?: PatchFunction;
  files?: { patch: PatchFunction }[];
}

/**
 * Calls `onPatched` each time one of the instrumentation's patches has run on a loaded module: a library counts as
 * traced automatically once it was actually patched, not when its instrumentation was merely enabled (a bundled copy,
 * or an ES module imported without the loader hook, is never patched).
 */
function reportPatches(instrumentation: Instrumentation, onPatched: () => void): void {
  // The definitions the module hooks hold (getModuleDefinitions() would build new ones).
  const definitions = (instrumentation as { _modules?: PatchableDefinition[] })._modules;
  // One that patches no module (diagnostics channels, as @fastify/otel) works as soon as it is enabled.
  if (definitions === undefined || definitions.length === 0) {
    onPatched();
    return;
  }
  const track = (owner: { patch?: PatchFunction }): void => {
    const patch = owner.patch;
    if (typeof patch !== 'function') return;
    owner.patch = function (this: unknown, exports: unknown, version?: string) {
      const patched = patch.call(this, exports, version);
      onPatched();
      return patched;
    };
  };
  for (const definition of definitions ?? []) {
    track(definition);
    for (const file of definition.files ?? []) track(file);
  }
}

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
  weaviate: 'weaviate-client',
  llamaindex: 'llamaindex',
  ...SERVER_PACKAGES,
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
      // Next.js's standalone output copies only the files the server imports: the ES module entry, not `main`.
      if (importedFile(name, base) !== undefined) return true;
    }
  }
  return false;
}

/**
 * Bun runs no Node.js module loader hooks (`module.registerHooks`, `module.register`), so no ES module import is seen
 * as it loads; its `require()` does go through `Module.prototype.require`, where the CommonJS hook patches. The ES
 * module copies are patched at start instead, as in a Next.js server: Bun's `require()` of an ES module gives the very
 * module a later `import` gets.
 */
function isBun(): boolean {
  return process.versions.bun !== undefined;
}

/**
 * Whether this process is a Next.js server: `next start`/`next dev` set NEXT_RUNTIME; the `output: 'standalone'`
 * server.js does not (the bundles have the value inlined), but it hands its configuration over in
 * __NEXT_PRIVATE_STANDALONE_CONFIG.
 */
function isNextServer(): boolean {
  return process.env.NEXT_RUNTIME === 'nodejs' || process.env.__NEXT_PRIVATE_STANDALONE_CONFIG !== undefined;
}

/**
 * Enables the instrumentations the configuration asks for, each loaded only when its library is installed, and
 * returns the names of those on. `onPatched(name)` is called when a library was actually patched (the AI SDK's
 * telemetry integration, registered rather than patched, is reported at once). Runs inside `start()`, after the
 * providers are registered and before the application loads those libraries (the ESM preload waits for the hooks
 * they register). In a Next.js server and on Bun, the ES module copies of the hooked packages are patched at once as
 * well: Next.js imports its external packages where no loader hook sees them, and Bun runs no loader hooks (see
 * esm-copies.ts).
 */
export function enableInstrumentations(
  config: GenAIOtelConfig,
  onPatched: (name: InstrumentationName) => void = () => undefined,
): {
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
      let instrumentation: Instrumentation | undefined;
      if (name === 'openai') {
        // The official instrumentation and @opentelemetry/instrumentation are required inside, only now.
        instrumentation = createOpenAIInstrumentation({ captureContent: config.genai.captureContent });
      } else if (name === 'anthropic') {
        instrumentation = createAnthropicInstrumentation();
      } else if (name === 'google-genai') {
        instrumentation = createGoogleGenAIInstrumentation();
      } else if (name === 'bedrock') {
        instrumentation = createBedrockInstrumentation();
      } else if (name === 'mistral') {
        instrumentation = createMistralInstrumentation();
      } else if (name === 'cohere') {
        instrumentation = createCohereInstrumentation();
      } else if (name === 'ollama') {
        instrumentation = createOllamaInstrumentation();
      } else if (name === 'groq') {
        instrumentation = createGroqInstrumentation();
      } else if (name === 'mcp') {
        instrumentation = createMcpInstrumentation();
      } else if (name === 'openai-agents') {
        instrumentation = createOpenAIAgentsInstrumentation();
      } else if (name === 'langchain') {
        instrumentation = createLangChainInstrumentation();
      } else if (name === 'mastra') {
        instrumentation = createMastraInstrumentation();
      } else if (name === 'pinecone') {
        instrumentation = createPineconeInstrumentation();
      } else if (name === 'qdrant') {
        instrumentation = createQdrantInstrumentation();
      } else if (name === 'chroma') {
        instrumentation = createChromaInstrumentation();
      } else if (name === 'pgvector') {
        instrumentation = createPgvectorInstrumentation();
      } else if (name === 'weaviate') {
        instrumentation = createWeaviateInstrumentation();
      } else if (name === 'llamaindex') {
        instrumentation = createLlamaIndexInstrumentation();
      } else if (name === 'ai-sdk') {
        // Registered (ai 7 with @ai-sdk/otel), or per call with experimental_telemetry (ai 6), whose spans the LLM
        // span processor completes.
        if (enableAiSdkTelemetry() || isInstalled('ai')) onPatched(name);
      } else if (name === 'http' && isNextServer()) {
        // Next.js makes its own request spans from the incoming traceparent; an HTTP server span around them made
        // Next 16 write to its request span after it ended (a diagnostic per request), and adds nothing.
        debug('http: not enabled in a Next.js server, which traces its requests itself');
        continue;
      } else if (name === 'http') {
        enableOnFirstHttpUse(() => {
          createServerInstrumentation('http');
          onPatched(name);
        });
      } else if (name === 'nestjs') {
        // The official instrumentation stops before Nest 12, which genai-otel patches itself (nest-core-12.ts). On 12
        // and later it would patch nothing, so it is not started: its module hook would only wrap Nest's modules.
        const outcome = enableNest12(() => onPatched(name));
        if (outcome === 'official' || outcome === 'not-installed') instrumentation = createServerInstrumentation(name);
      } else if (isServerInstrumentation(name)) {
        instrumentation = createServerInstrumentation(name);
      }
      if (instrumentation !== undefined) {
        reportPatches(instrumentation, () => onPatched(name));
        enabled.instrumentations.push(instrumentation);
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
  if (isNextServer() || isBun()) patchImportedCopies(enabled.instrumentations, process.cwd());
  return enabled;
}

/**
 * Enables the instrumentation objects passed to `start({ instrumentations })` with the global providers genai-otel
 * registered (or joined), and returns the names of those it took. Anything that is not an instrumentation is skipped
 * with one warning.
 */
export function enableExtraInstrumentations(entries: readonly unknown[]): string[] {
  const extras = entries.filter(
    (entry): entry is Instrumentation =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as Partial<Instrumentation>).enable === 'function' &&
      typeof (entry as Partial<Instrumentation>).setTracerProvider === 'function',
  );
  if (extras.length < entries.filter((entry) => typeof entry !== 'string').length)
    warnOnce(
      'instrumentation:not-an-instrumentation',
      'start({ instrumentations }): an entry is neither an instrumentation name nor an OpenTelemetry instrumentation object; it is ignored',
    );
  const names: string[] = [];
  for (const extra of extras) {
    try {
      instrumentationBase().registerInstrumentations({ instrumentations: [extra] });
      names.push(String(extra.instrumentationName));
    } catch (error) {
      errorOnce(
        `instrumentation:extra:${names.length}`,
        'could not enable an instrumentation passed to start()',
        error,
      );
    }
  }
  return names;
}
