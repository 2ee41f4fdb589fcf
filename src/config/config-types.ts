/**
 * Where a signal's data goes. `otlp` is OTLP/HTTP; `file` appends OTLP/JSON lines to a local file (what the
 * `genai-otel` CLI reads when no backend runs); `console` prints to stdout; `none` turns the signal off.
 */
export type ExporterName = 'otlp' | 'file' | 'local' | 'console' | 'none';

/** OTLP/HTTP encodings. gRPC is not bundled (it costs start-up time and a native-free HTTP path covers every collector). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type OtlpCompression = 'gzip' | 'none';

export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export type PropagatorName = 'tracecontext' | 'baggage' | 'b3' | 'b3multi' | 'none';

export type ResourceDetectorName = 'env' | 'host' | 'os' | 'process' | 'serviceinstance';

export type MetricsTemporality = 'cumulative' | 'delta' | 'lowmemory';

export type LogLevelName = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';

export type SignalName = 'traces' | 'metrics' | 'logs';

/**
 * Libraries traced automatically by `start()`: LLM clients and agent frameworks (`ai-sdk`: the Vercel AI SDK's own
 * spans are completed), Node's HTTP server and client (`http`: server spans, incoming `traceparent`), web frameworks.
 */
export type InstrumentationName =
  | 'openai'
  | 'anthropic'
  | 'ai-sdk'
  | 'mcp'
  | 'openai-agents'
  | 'langchain'
  | 'mastra'
  | 'pinecone'
  | 'qdrant'
  | 'chroma'
  | 'pgvector'
  | 'google-genai'
  | 'bedrock'
  | 'mistral'
  | 'cohere'
  | 'ollama'
  | 'groq'
  | 'http'
  | 'express'
  | 'fastify'
  | 'koa'
  | 'nestjs'
  | 'weaviate'
  | 'llamaindex';

/** Where captured prompt/completion content goes: nowhere (default), span attributes, log events, or both. */
export type ContentCaptureMode = 'none' | 'span' | 'event' | 'span_and_event';

/** Levels of `getLogger()` loggers, lowest first. */
export type LoggerLevel = 'debug' | 'info' | 'warn' | 'error';

/** Logging libraries whose records `start()` correlates with traces and sends over OTLP. */
export type LogBridgeName = 'pino' | 'winston';
/** A pattern of the user's own, redacted as `[REDACTED:<name>]`. */
export interface RedactionPattern {
  name: string;
  pattern: RegExp;
}

/**
 * What happens to `user.id`, `session.id` and the other identity attributes on their way out: exported as set,
 * replaced by an HMAC-SHA256 of the value (the key is never printed), or dropped because a key was given but is unusable.
 */
export type IdentityHandling = { mode: 'keep' } | { mode: 'hash'; key: string } | { mode: 'drop' };

/** What may leave the process: applied to every span, span event and log record genai-otel exports, whoever made it. */
export interface PrivacySettings {
  /** The pattern rules (built-in and the user's own). Credential headers are dropped and identities hashed either way. */
  redact: boolean;
  /** Built-in rules switched off, by rule name (groups already expanded). */
  disabledRules: string[];
  patterns: RedactionPattern[];
  identity: IdentityHandling;
}

/**
 * Which GenAI convention names are emitted (OTEL_SEMCONV_STABILITY_OPT_IN): `latest` the pinned newest model only,
 * `previous` the names of the model before it only, `both` each renamed signal under both names.
 */
export type GenAISemconvMode = 'latest' | 'previous' | 'both';

/** Settings of the GenAI helpers; they apply even when the SDK is started by someone else. */
export interface GenAISettings {
  captureContent: ContentCaptureMode;
  semconv: GenAISemconvMode;
  /** Longest captured content value, in characters; longer values are cut and marked. */
  maxContentLength: number;
  /** A JSON or YAML price file merged over the bundled table. */
  pricesFile?: string;
  /** A stream that yields nothing for this long is considered abandoned and its span ends. */
  streamIdleTimeoutMillis: number;
  /** `gen_ai.provider.name` of OpenAI-compatible servers, by `host` or `host:port`, over the built-in host list. */
  providerHosts: Record<string, string>;
  /** Session, user and conversation ids also travel as W3C baggage, and are read from incoming baggage. */
  propagateBaggage: boolean;
  /** Each LLM call also emits one request/response log record (the data flywheel). */
  llmLogs: boolean;
  /** `client_id` of request/response records; defaults to the service name. */
  clientId?: string;
  /** `workload_id` of request/response records when the context gives none. */
  workloadId?: string;
  /** Lowest level `getLogger()` loggers write. */
  loggerLevel: LoggerLevel;
  /** Whether `getLogger()` loggers also print JSON lines on stdout. */
  loggerStdout: boolean;
}

/** How one signal is exported over OTLP. */
export interface OtlpSignalConfig {
  /** Full URL of the signal's OTLP/HTTP endpoint, e.g. `http://localhost:4318/v1/traces`. */
  url: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  compression: OtlpCompression;
  timeoutMillis: number;
}

export interface BatchConfig {
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export interface TracesConfig {
  exporters: ExporterName[];
  otlp: OtlpSignalConfig;
  batch: BatchConfig;
  sampler: SamplerName;
  /** Ratio for the `traceidratio` samplers, 0..1. */
  samplerRatio: number;
}

export interface MetricsConfig {
  exporters: ExporterName[];
  otlp: OtlpSignalConfig;
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
  temporality: MetricsTemporality;
}

export interface LogsConfig {
  exporters: ExporterName[];
  otlp: OtlpSignalConfig;
  batch: BatchConfig;
}

export interface AttributeLimits {
  attributeValueLengthLimit?: number;
  attributeCountLimit?: number;
}

/** The whole, validated configuration of genai-otel. Built by `resolveConfig` from the environment and start options. */
/** Where telemetry waits while the collector is away. */
export interface SpoolConfig {
  enabled: boolean;
  /** Undefined: a folder per service under the system temp directory. */
  directory?: string;
  maxBytes: number;
}

/** The `file` exporter: OTLP/JSON lines in `<directory>/traces.jsonl`, `metrics.jsonl`, `logs.jsonl`. */
export interface FileExportConfig {
  directory: string;
  /** A file larger than this is renamed to `<signal>.1.jsonl` (replacing the previous one) and a new one started. */
  maxBytes: number;
}

/**
 * The `local` exporter: spans and log records in an SQLite database, `<file.directory>/telemetry.db`. What is older
 * than `retentionMillis`, and the oldest ranges while the store holds more than `maxBytes`, are deleted (0: no limit).
 */
export interface LocalStoreConfig {
  retentionMillis: number;
  maxBytes: number;
}

/** Where the `genai-otel` CLI finds the bundled backend's query APIs. */
export interface BackendUrls {
  jaegerUrl: string;
  prometheusUrl: string;
}

export interface GenAIOtelConfig {
  disabled: boolean;
  logLevel: LogLevelName;
  serviceName?: string;
  serviceVersion?: string;
  resourceAttributes: Record<string, string>;
  resourceDetectors: ResourceDetectorName[];
  propagators: PropagatorName[];
  traces: TracesConfig;
  metrics: MetricsConfig;
  logs: LogsConfig;
  limits: AttributeLimits;
  shutdownTimeoutMillis: number;
  installExitHandlers: boolean;
  spool: SpoolConfig;
  file: FileExportConfig;
  local: LocalStoreConfig;
  /** The client libraries traced automatically; empty for none. */
  instrumentations: InstrumentationName[];
  /** Logging libraries bridged to OpenTelemetry when the application has them installed. */
  logBridges: LogBridgeName[];
  genai: GenAISettings;
  privacy: PrivacySettings;
}

/** A configuration value that could not be used, with what was done instead. */
export interface ConfigProblem {
  variable: string;
  value: string;
  message: string;
}
