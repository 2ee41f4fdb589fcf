/**
 * Every environment variable genai-otel reads, with its default as users see it. The README's variable table
 * is checked against this list by a test, and unknown `GENAI_OTEL_*` names are reported against it.
 */
export interface VariableDescription {
  name: string;
  defaultValue: string;
  description: string;
}

export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';
/**
 * Span batching: larger than the spec's 2048/512/5000 so that bursts of tens of thousands of spans per second are
 * exported, not dropped, and spans show up within a couple of seconds.
 */
export const DEFAULT_BSP = {
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 30000,
  maxQueueSize: 32768,
  maxExportBatchSize: 2048,
};
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 3000;
export const DEFAULT_MAX_CONTENT_LENGTH = 16384;
export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
/** Relative to the working directory of the process that writes (or, for the CLI, reads) the files. */
export const DEFAULT_FILE_DIR = '.genai-otel';
export const DEFAULT_FILE_MAX_BYTES = 64 * 1024 * 1024;
/** The local store keeps a week by default, and at most 1 GiB (about 2 million spans). */
export const DEFAULT_LOCAL_RETENTION = '7d';
export const DEFAULT_LOCAL_RETENTION_MILLIS = 7 * 86_400_000;
export const DEFAULT_LOCAL_MAX_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_JAEGER_URL = 'http://localhost:16686';
export const DEFAULT_PROMETHEUS_URL = 'http://localhost:9090';
export const DEFAULT_STREAM_IDLE_TIMEOUT_MILLIS = 300000;
/** Shorter than the spec's 60 s so that a new service shows up in Prometheus within a minute. */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS = 15000;

export const STANDARD_VARIABLES: readonly VariableDescription[] = [
  {
    name: 'OTEL_SDK_DISABLED',
    defaultValue: 'false',
    description: 'true turns all telemetry off; the helpers still run your functions',
  },
  {
    name: 'OTEL_LOG_LEVEL',
    defaultValue: 'info',
    description: 'diagnostic log level: none, error, warn, info, debug, verbose, all',
  },
  { name: 'OTEL_SERVICE_NAME', defaultValue: 'name in package.json', description: 'service.name resource attribute' },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    defaultValue: '',
    description: 'extra resource attributes, key1=value1,key2=value2',
  },
  {
    name: 'OTEL_NODE_RESOURCE_DETECTORS',
    defaultValue: 'env,host,os,process,serviceinstance',
    description: 'resource detectors to run; no cloud metadata is probed',
  },
  {
    name: 'OTEL_PROPAGATORS',
    defaultValue: 'tracecontext,baggage',
    description: 'context propagators: tracecontext, baggage, b3, b3multi, none',
  },
  {
    name: 'OTEL_TRACES_EXPORTER',
    defaultValue: 'otlp',
    description: 'otlp, file, local, console, none (comma-separated for several)',
  },
  { name: 'OTEL_METRICS_EXPORTER', defaultValue: 'otlp', description: 'otlp, file, console, none' },
  { name: 'OTEL_LOGS_EXPORTER', defaultValue: 'otlp', description: 'otlp, file, local, console, none' },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    defaultValue: DEFAULT_OTLP_ENDPOINT,
    description: 'base URL; /v1/traces, /v1/metrics, /v1/logs are appended',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    defaultValue: '<base>/v1/traces',
    description: 'full URL for traces, used as is',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    defaultValue: '<base>/v1/metrics',
    description: 'full URL for metrics, used as is',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
    defaultValue: '<base>/v1/logs',
    description: 'full URL for logs, used as is',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    defaultValue: '',
    description: 'headers for every signal, key=value,... (values URL-encoded)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    defaultValue: '',
    description: 'headers for traces, merged over the common ones',
  },
  { name: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', defaultValue: '', description: 'headers for metrics' },
  { name: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', defaultValue: '', description: 'headers for logs' },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', defaultValue: 'http/protobuf', description: 'http/protobuf or http/json' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', defaultValue: 'common protocol', description: 'protocol for traces' },
  { name: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', defaultValue: 'common protocol', description: 'protocol for metrics' },
  { name: 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', defaultValue: 'common protocol', description: 'protocol for logs' },
  {
    name: 'OTEL_EXPORTER_OTLP_COMPRESSION',
    defaultValue: 'none',
    description: 'gzip or none (signal-specific variants are read too)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    defaultValue: '10000',
    description: 'export request timeout in ms (signal-specific variants are read too)',
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    defaultValue: 'parentbased_always_on',
    description:
      'always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    defaultValue: '1',
    description: 'sampling ratio 0..1 for the traceidratio samplers',
  },
  {
    name: 'OTEL_BSP_SCHEDULE_DELAY',
    defaultValue: String(DEFAULT_BSP.scheduledDelayMillis),
    description: 'ms between span batch exports (the spec says 5000)',
  },
  { name: 'OTEL_BSP_EXPORT_TIMEOUT', defaultValue: '30000', description: 'ms a span batch export may take' },
  {
    name: 'OTEL_BSP_MAX_QUEUE_SIZE',
    defaultValue: String(DEFAULT_BSP.maxQueueSize),
    description: 'spans buffered before new ones are dropped (and counted); the spec says 2048',
  },
  {
    name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    defaultValue: String(DEFAULT_BSP.maxExportBatchSize),
    description: 'spans per export request; the spec says 512',
  },
  { name: 'OTEL_BLRP_SCHEDULE_DELAY', defaultValue: '1000', description: 'ms between log batch exports' },
  { name: 'OTEL_BLRP_EXPORT_TIMEOUT', defaultValue: '30000', description: 'ms a log batch export may take' },
  { name: 'OTEL_BLRP_MAX_QUEUE_SIZE', defaultValue: '2048', description: 'log records buffered' },
  { name: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', defaultValue: '512', description: 'log records per export request' },
  {
    name: 'OTEL_METRIC_EXPORT_INTERVAL',
    defaultValue: String(DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS),
    description: 'ms between metric exports (the spec says 60000; 15000 shows data within a minute)',
  },
  { name: 'OTEL_METRIC_EXPORT_TIMEOUT', defaultValue: '30000', description: 'ms a metric export may take' },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
    defaultValue: 'cumulative',
    description: 'cumulative, delta or lowmemory',
  },
  {
    name: 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
    defaultValue: 'unlimited',
    description: 'longest attribute value kept, in characters',
  },
  {
    name: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
    defaultValue: 'false',
    description:
      'capture prompts, completions, tool arguments: true/false, or NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT',
  },
  {
    name: 'OTEL_SEMCONV_STABILITY_OPT_IN',
    defaultValue: 'gen_ai_latest_experimental',
    description:
      'GenAI names: gen_ai_latest_experimental (the pinned conventions), gen_ai_latest_experimental/dup (also the previous names), gen_ai_previous (the previous names only)',
  },
  {
    name: 'OTEL_ATTRIBUTE_COUNT_LIMIT',
    defaultValue: '128',
    description: 'most attributes kept per span or log record',
  },
];

export const GENAI_OTEL_VARIABLES: readonly VariableDescription[] = [
  {
    name: 'GENAI_OTEL_SHUTDOWN_TIMEOUT_MS',
    defaultValue: String(DEFAULT_SHUTDOWN_TIMEOUT_MILLIS),
    description: 'longest time the flush at exit, SIGTERM or SIGINT may take',
  },
  {
    name: 'GENAI_OTEL_SPOOL',
    defaultValue: 'true',
    description: 'keep telemetry on disk while the collector is away and send it, in order, once it is back',
  },
  {
    name: 'GENAI_OTEL_SPOOL_DIR',
    defaultValue: '<tmp>/genai-otel-<uid>/spool/<service.name>',
    description:
      "where the spool lives; a folder of this user's alone (else no spool is used); several processes of the user may share it",
  },
  {
    name: 'GENAI_OTEL_SPOOL_MAX_BYTES',
    defaultValue: String(DEFAULT_SPOOL_MAX_BYTES),
    description: 'spool size cap; the oldest payloads are dropped (and counted) beyond it',
  },
  {
    name: 'GENAI_OTEL_FILE_DIR',
    defaultValue: DEFAULT_FILE_DIR,
    description:
      'folder of the file exporter (traces.jsonl, metrics.jsonl, logs.jsonl: OTLP/JSON lines), relative to the working directory; the CLI reads it',
  },
  {
    name: 'GENAI_OTEL_FILE_MAX_BYTES',
    defaultValue: String(DEFAULT_FILE_MAX_BYTES),
    description: 'size at which a file of the file exporter is renamed to <signal>.1.jsonl and a new one started',
  },
  {
    name: 'GENAI_OTEL_LOCAL_RETENTION',
    defaultValue: DEFAULT_LOCAL_RETENTION,
    description:
      'how long the local store (OTEL_TRACES_EXPORTER=local: telemetry.db in GENAI_OTEL_FILE_DIR) keeps spans and log records: 12h, 7d, 4w; 0 for no limit',
  },
  {
    name: 'GENAI_OTEL_LOCAL_MAX_BYTES',
    defaultValue: String(DEFAULT_LOCAL_MAX_BYTES),
    description: 'size of the local store beyond which its oldest spans and log records are deleted; 0 for no limit',
  },
  {
    name: 'GENAI_OTEL_JAEGER_URL',
    defaultValue: DEFAULT_JAEGER_URL,
    description: 'Jaeger query API the genai-otel CLI reads traces from',
  },
  {
    name: 'GENAI_OTEL_PROMETHEUS_URL',
    defaultValue: DEFAULT_PROMETHEUS_URL,
    description: 'Prometheus the genai-otel CLI reads metrics from',
  },
  {
    name: 'GENAI_OTEL_CLI_MAX_RESPONSE_BYTES',
    defaultValue: '268435456',
    description: 'largest answer the genai-otel CLI reads from Jaeger or Prometheus; a larger one is an error',
  },
  {
    name: 'GENAI_OTEL_CLI_REQUEST_TIMEOUT_MS',
    defaultValue: '120000',
    description: 'how long the genai-otel CLI waits for one answer from Jaeger or Prometheus',
  },
  {
    name: 'GENAI_OTEL_PRICES_FILE',
    defaultValue: '',
    description: 'JSON or YAML file of model prices merged over the bundled table',
  },
  {
    name: 'GENAI_OTEL_PROVIDER_HOSTS',
    defaultValue: '',
    description:
      'gen_ai.provider.name of OpenAI-compatible servers reached through the openai client, as host=name or host:port=name pairs (localhost:8000=vllm), over the built-in host list',
  },
  {
    name: 'GENAI_OTEL_MAX_CONTENT_LENGTH',
    defaultValue: String(DEFAULT_MAX_CONTENT_LENGTH),
    description: 'longest captured content value in characters; longer values are cut and marked',
  },
  {
    name: 'GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS',
    defaultValue: String(DEFAULT_STREAM_IDLE_TIMEOUT_MILLIS),
    description: 'a stream idle this long is treated as abandoned and its span ends',
  },
  {
    name: 'GENAI_OTEL_INSTRUMENTATIONS',
    defaultValue:
      'openai,anthropic,ai-sdk,mcp,openai-agents,langchain,mastra,pinecone,qdrant,chroma,pgvector,google-genai,bedrock,mistral,cohere,ollama,groq,http,express,fastify,koa,nestjs,weaviate,llamaindex',
    description:
      'libraries traced automatically: openai, anthropic, ai-sdk, mcp, openai-agents, langchain, mastra, pinecone, qdrant, chroma, pgvector, google-genai, bedrock, mistral, cohere, ollama, groq, http (server spans, incoming traceparent), express, fastify, koa, nestjs, weaviate, llamaindex, all, none',
  },
  {
    name: 'GENAI_OTEL_EXIT_HANDLERS',
    defaultValue: 'true',
    description: 'false leaves flushing at exit to you (call shutdown())',
  },
  {
    name: 'GENAI_OTEL_PROPAGATE_BAGGAGE',
    defaultValue: 'false',
    description:
      'true sends session, user and conversation ids to downstream services as W3C baggage and reads them from incoming baggage',
  },
  {
    name: 'GENAI_OTEL_LLM_LOGS',
    defaultValue: 'false',
    description: 'true makes each LLM call emit one request/response log record (data flywheel)',
  },
  { name: 'GENAI_OTEL_CLIENT_ID', defaultValue: 'service name', description: 'client_id of request/response records' },
  {
    name: 'GENAI_OTEL_WORKLOAD_ID',
    defaultValue: '',
    description: 'workload_id of request/response records when withContext gives none (then the session id is used)',
  },
  {
    name: 'GENAI_OTEL_LOG_BRIDGES',
    defaultValue: 'pino,winston',
    description: 'logging libraries whose records get trace ids and go over OTLP: pino, winston, none',
  },
  {
    name: 'GENAI_OTEL_LOGGER_LEVEL',
    defaultValue: 'info',
    description: 'lowest level getLogger() loggers write: debug, info, warn, error',
  },
  {
    name: 'GENAI_OTEL_LOGGER_STDOUT',
    defaultValue: 'true',
    description: 'false stops getLogger() loggers from printing JSON lines on stdout (they still go over OTLP)',
  },
  {
    name: 'GENAI_OTEL_REDACT',
    defaultValue: 'on',
    description: 'on or off: the redaction rules applied to every span, event and log record before export',
  },
  {
    name: 'GENAI_OTEL_REDACT_DISABLE',
    defaultValue: '',
    description: 'built-in rules or groups switched off, comma-separated (e.g. ip,phone)',
  },
  {
    name: 'GENAI_OTEL_REDACT_PATTERNS',
    defaultValue: '',
    description: 'patterns of your own: inline JSON, or a JSON or YAML file',
  },
  {
    name: 'GENAI_OTEL_USER_ID_HMAC_KEY',
    defaultValue: '',
    description: 'secret (16+ characters) for HMAC-SHA256 of user.id, session.id and other identity attributes',
  },
];

export const ALL_VARIABLES: readonly VariableDescription[] = [...STANDARD_VARIABLES, ...GENAI_OTEL_VARIABLES];
