import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { formatConfigProblem } from '../../../src/core/diagnostics.ts';

/** Every instrumentation name, in the order the default and `all` give them. */
const EVERY_NAME = [
  'openai',
  'anthropic',
  'ai-sdk',
  'mcp',
  'openai-agents',
  'langchain',
  'mastra',
  'pinecone',
  'qdrant',
  'chroma',
  'pgvector',
  'google-genai',
  'bedrock',
  'mistral',
  'cohere',
  'ollama',
  'groq',
  'http',
  'express',
  'fastify',
  'koa',
  'nestjs',
  'weaviate',
  'llamaindex',
];

test('GENAI_OTEL_INSTRUMENTATIONS: every library by default; a list, all or none', () => {
  assert.deepEqual(resolveConfig({}).config.instrumentations, EVERY_NAME);
  assert.deepEqual(resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'Anthropic, openai' }).config.instrumentations, [
    'anthropic',
    'openai',
  ]);
  assert.deepEqual(resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'all' }).config.instrumentations, EVERY_NAME);
  assert.deepEqual(resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'none' }).config.instrumentations, []);
  assert.deepEqual(
    resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai' }, { instrumentations: [] }).config.instrumentations,
    [],
    'the start option wins',
  );
});

test('start({ instrumentations }): names override the variable; instrumentation objects alone leave it in charge', () => {
  const extra = { instrumentationName: 'app-own', enable() {}, setTracerProvider() {} } as never;
  const env = { GENAI_OTEL_INSTRUMENTATIONS: 'openai,http' };
  assert.deepEqual(resolveConfig(env, { instrumentations: [extra] }).config.instrumentations, ['openai', 'http']);
  assert.deepEqual(resolveConfig(env, { instrumentations: ['anthropic', extra] }).config.instrumentations, [
    'anthropic',
  ]);
});

test('GENAI_OTEL_INSTRUMENTATIONS: an unknown name is reported with the accepted values; the known ones are kept', () => {
  const { config, problems } = resolveConfig({ GENAI_OTEL_INSTRUMENTATIONS: 'openai,watsonx' });
  assert.deepEqual(config.instrumentations, ['openai']);
  assert.deepEqual(problems.map(formatConfigProblem), [
    'GENAI_OTEL_INSTRUMENTATIONS="openai,watsonx" is not valid: "watsonx" is not supported; accepted values are openai, anthropic, ai-sdk, mcp, openai-agents, langchain, mastra, pinecone, qdrant, chroma, pgvector, google-genai, bedrock, mistral, cohere, ollama, groq, http, express, fastify, koa, nestjs, weaviate, llamaindex, all, none',
  ]);
});

test('GENAI_OTEL_PROVIDER_HOSTS: host=name pairs, hosts lower-cased; start({ providerHosts }) adds to them', () => {
  assert.deepEqual(
    resolveConfig({ GENAI_OTEL_PROVIDER_HOSTS: 'VLLM.internal:8000=vllm, gateway.example=openrouter' }).config.genai
      .providerHosts,
    { 'vllm.internal:8000': 'vllm', 'gateway.example': 'openrouter' },
  );
  assert.deepEqual(
    resolveConfig({ GENAI_OTEL_PROVIDER_HOSTS: 'a.example=x' }, { providerHosts: { 'b.example': 'y' } }).config.genai
      .providerHosts,
    { 'a.example': 'x', 'b.example': 'y' },
  );
  const { problems } = resolveConfig({ GENAI_OTEL_PROVIDER_HOSTS: 'no-name-here' });
  assert.match(problems.map(formatConfigProblem).join('\n'), /GENAI_OTEL_PROVIDER_HOSTS/);
});
