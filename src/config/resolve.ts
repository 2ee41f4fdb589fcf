import { EnvReader, editDistance } from './parsers.ts';
import { HIDDEN_VALUE } from './printable.ts';
import { resolvePrivacySettings } from './privacy.ts';
import type { StartOptions } from './start-options.ts';
import type {
  BackendUrls,
  BatchConfig,
  ConfigProblem,
  ContentCaptureMode,
  GenAISemconvMode,
  GenAISettings,
  ExporterName,
  LogBridgeName,
  LoggerLevel,
  GenAIOtelConfig,
  InstrumentationName,
  LogLevelName,
  MetricsTemporality,
  OtlpCompression,
  OtlpProtocol,
  OtlpSignalConfig,
  PropagatorName,
  ResourceDetectorName,
  SamplerName,
  SignalName,
} from './config-types.ts';
import {
  DEFAULT_BSP,
  DEFAULT_MAX_CONTENT_LENGTH,
  DEFAULT_SPOOL_MAX_BYTES,
  DEFAULT_FILE_DIR,
  DEFAULT_FILE_MAX_BYTES,
  DEFAULT_LOCAL_MAX_BYTES,
  DEFAULT_LOCAL_RETENTION,
  DEFAULT_LOCAL_RETENTION_MILLIS,
  DEFAULT_JAEGER_URL,
  DEFAULT_PROMETHEUS_URL,
  DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MILLIS,
  DEFAULT_OTLP_ENDPOINT,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  GENAI_OTEL_VARIABLES,
} from './variables.ts';

const EXPORTERS: readonly ExporterName[] = ['otlp', 'file', 'local', 'console', 'none'];
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];
const COMPRESSIONS: readonly OtlpCompression[] = ['gzip', 'none'];
const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS: readonly PropagatorName[] = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];
const DETECTORS: readonly ResourceDetectorName[] = ['env', 'host', 'os', 'process', 'serviceinstance'];
const TEMPORALITIES: readonly MetricsTemporality[] = ['cumulative', 'delta', 'lowmemory'];
const INSTRUMENTATIONS: readonly InstrumentationName[] = [
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
const LOGGER_LEVELS: readonly LoggerLevel[] = ['debug', 'info', 'warn', 'error'];
const LOG_BRIDGES: readonly LogBridgeName[] = ['pino', 'winston'];
const LOG_LEVELS: readonly LogLevelName[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const SIGNAL_PATHS: Record<SignalName, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };
const MAX_TIMEOUT_MILLIS = 10 * 60 * 1000;

export interface ResolvedConfig {
  config: GenAIOtelConfig;
  problems: ConfigProblem[];
}

/**
 * Whether OTEL_SDK_DISABLED turns telemetry off, read as resolveConfig reads it, without reading anything else: the
 * preload asks this first, since with telemetry on start() reads and checks every setting anyway.
 *
 * @example
 * if (!telemetryDisabledByEnvironment(process.env)) start();
 */
export function telemetryDisabledByEnvironment(env: Readonly<Record<string, string | undefined>>): boolean {
  return new EnvReader(env).raw('OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
}

/**
 * Builds the whole configuration from environment variables and start options. This is the only place that
 * interprets `OTEL_*` and `GENAI_OTEL_*` variables; it never throws: a bad value becomes a problem and the default.
 *
 * @example
 * const { config, problems } = resolveConfig(process.env, { serviceName: 'bot' });
 */
export function resolveConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: StartOptions = {},
): ResolvedConfig {
  const reader = new EnvReader(env);
  reportUnknownGenAIOtelVariables(reader);

  const disabled = options.disabled ?? reader.boolean('OTEL_SDK_DISABLED', false);
  const logLevel = options.logLevel ?? reader.oneOf('OTEL_LOG_LEVEL', LOG_LEVELS, 'info');

  const samplerName = options.sampler ?? reader.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const samplerRatio = resolveSamplerRatio(reader, samplerName, options.samplerRatio);

  const optionEndpoint =
    options.endpoint === undefined ? undefined : reader.urlValue('endpoint (start option)', options.endpoint);
  const baseEndpoint = optionEndpoint ?? reader.url('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_OTLP_ENDPOINT;

  const config: GenAIOtelConfig = {
    disabled,
    logLevel,
    serviceName: options.serviceName ?? reader.raw('OTEL_SERVICE_NAME'),
    serviceVersion: options.serviceVersion,
    resourceAttributes: { ...reader.keyValueList('OTEL_RESOURCE_ATTRIBUTES'), ...options.resourceAttributes },
    resourceDetectors: options.resourceDetectors ?? resolveDetectors(reader),
    propagators: options.propagators ?? reader.listOf('OTEL_PROPAGATORS', PROPAGATORS, ['tracecontext', 'baggage']),
    traces: {
      exporters: exporterList(reader, 'OTEL_TRACES_EXPORTER', options.tracesExporter),
      otlp: resolveOtlpSignal(reader, 'traces', baseEndpoint, optionEndpoint !== undefined, options),
      batch: resolveBatch(reader, 'OTEL_BSP', DEFAULT_BSP),
      sampler: samplerName,
      samplerRatio,
    },
    metrics: {
      exporters: exporterList(reader, 'OTEL_METRICS_EXPORTER', options.metricsExporter),
      otlp: resolveOtlpSignal(reader, 'metrics', baseEndpoint, optionEndpoint !== undefined, options),
      exportIntervalMillis:
        options.metricExportIntervalMillis ??
        reader.integer('OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS, 1, MAX_TIMEOUT_MILLIS),
      exportTimeoutMillis: reader.integer('OTEL_METRIC_EXPORT_TIMEOUT', 30000, 1, MAX_TIMEOUT_MILLIS),
      temporality:
        options.metricsTemporality ??
        reader.oneOf('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', TEMPORALITIES, 'cumulative'),
    },
    logs: {
      exporters: exporterList(reader, 'OTEL_LOGS_EXPORTER', options.logsExporter),
      otlp: resolveOtlpSignal(reader, 'logs', baseEndpoint, optionEndpoint !== undefined, options),
      batch: resolveBatch(reader, 'OTEL_BLRP', {
        scheduledDelayMillis: 1000,
        exportTimeoutMillis: 30000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      }),
    },
    limits: resolveLimits(reader),
    shutdownTimeoutMillis:
      options.shutdownTimeoutMillis ??
      reader.integer('GENAI_OTEL_SHUTDOWN_TIMEOUT_MS', DEFAULT_SHUTDOWN_TIMEOUT_MILLIS, 0, MAX_TIMEOUT_MILLIS),
    installExitHandlers: options.installExitHandlers ?? reader.boolean('GENAI_OTEL_EXIT_HANDLERS', true),
    spool: {
      enabled: options.spool ?? reader.boolean('GENAI_OTEL_SPOOL', true),
      directory: options.spoolDirectory ?? reader.raw('GENAI_OTEL_SPOOL_DIR'),
      maxBytes: reader.integer('GENAI_OTEL_SPOOL_MAX_BYTES', DEFAULT_SPOOL_MAX_BYTES, 1024, Number.MAX_SAFE_INTEGER),
    },
    file: {
      directory: options.fileDirectory ?? reader.raw('GENAI_OTEL_FILE_DIR') ?? DEFAULT_FILE_DIR,
      maxBytes: reader.integer('GENAI_OTEL_FILE_MAX_BYTES', DEFAULT_FILE_MAX_BYTES, 1024, Number.MAX_SAFE_INTEGER),
    },
    local: {
      retentionMillis: reader.duration(
        'GENAI_OTEL_LOCAL_RETENTION',
        DEFAULT_LOCAL_RETENTION_MILLIS,
        DEFAULT_LOCAL_RETENTION,
      ),
      maxBytes: reader.integer('GENAI_OTEL_LOCAL_MAX_BYTES', DEFAULT_LOCAL_MAX_BYTES, 0, Number.MAX_SAFE_INTEGER),
    },
    instrumentations: namesFromOptions(options.instrumentations) ?? resolveInstrumentations(reader),
    logBridges: resolveLogBridges(reader),
    genai: resolveGenAISettings(reader, options),
    privacy: resolvePrivacySettings(reader, options),
  };

  // The metric reader must be able to finish an export inside its interval.
  if (config.metrics.exportTimeoutMillis > config.metrics.exportIntervalMillis) {
    config.metrics.exportTimeoutMillis = config.metrics.exportIntervalMillis;
  }
  const batch = config.traces.batch;
  if (batch.maxExportBatchSize > batch.maxQueueSize) {
    reader.problem(
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      String(batch.maxExportBatchSize),
      `must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${batch.maxQueueSize}); using ${batch.maxQueueSize}`,
    );
    batch.maxExportBatchSize = batch.maxQueueSize;
  }

  return { config, problems: reader.problems };
}

/**
 * Where the `genai-otel` CLI finds Jaeger and Prometheus: GENAI_OTEL_JAEGER_URL, GENAI_OTEL_PROMETHEUS_URL, else
 * the bundled stack's defaults. Never throws: a bad URL becomes a problem and the default.
 *
 * @example
 * const { urls } = resolveBackendUrls(process.env);
 */
export function resolveBackendUrls(env: Readonly<Record<string, string | undefined>>): {
  urls: BackendUrls;
  problems: ConfigProblem[];
} {
  const reader = new EnvReader(env);
  const urls = {
    jaegerUrl: reader.url('GENAI_OTEL_JAEGER_URL') ?? DEFAULT_JAEGER_URL,
    prometheusUrl: reader.url('GENAI_OTEL_PROMETHEUS_URL') ?? DEFAULT_PROMETHEUS_URL,
  };
  return { urls, problems: reader.problems };
}

const CAPTURE_MODES: Record<string, ContentCaptureMode> = {
  true: 'span',
  false: 'none',
  no_content: 'none',
  span_only: 'span',
  event_only: 'event',
  span_and_event: 'span_and_event',
};

/** The GenAI values of OTEL_SEMCONV_STABILITY_OPT_IN; other groups' values (http, database, ...) are not ours. */
const SEMCONV_MODES: Record<string, GenAISemconvMode> = {
  gen_ai_latest_experimental: 'latest',
  'gen_ai_latest_experimental/dup': 'both',
  gen_ai_previous: 'previous',
};

/**
 * OTEL_SEMCONV_STABILITY_OPT_IN is a comma-separated list shared by every instrumentation; only its `gen_ai*` items
 * are read here. Unset or without a GenAI item: the latest names.
 */
function resolveSemconvMode(reader: EnvReader): GenAISemconvMode {
  const raw = reader.raw('OTEL_SEMCONV_STABILITY_OPT_IN');
  if (raw === undefined) return 'latest';
  const items = raw
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item.startsWith('gen_ai'));
  const modes = new Set<GenAISemconvMode>();
  for (const item of items) {
    const mode = SEMCONV_MODES[item];
    if (mode === undefined) {
      reader.problem(
        'OTEL_SEMCONV_STABILITY_OPT_IN',
        raw,
        `"${item}" is not a GenAI value; accepted: ${Object.keys(SEMCONV_MODES).join(', ')}; using gen_ai_latest_experimental`,
      );
      return 'latest';
    }
    modes.add(mode);
  }
  if (modes.has('both') || (modes.has('latest') && modes.has('previous'))) return 'both';
  return modes.has('previous') ? 'previous' : 'latest';
}

function resolveGenAISettings(reader: EnvReader, options: StartOptions): GenAISettings {
  let captureContent: ContentCaptureMode = 'none';
  if (options.captureContent !== undefined) {
    captureContent =
      options.captureContent === true ? 'span' : options.captureContent === false ? 'none' : options.captureContent;
  } else {
    const raw = reader.raw('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT');
    if (raw !== undefined) {
      const mode = CAPTURE_MODES[raw.toLowerCase()];
      if (mode === undefined) {
        reader.problem(
          'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
          raw,
          'accepted values are true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT; content is not captured',
        );
      } else {
        captureContent = mode;
      }
    }
  }
  return {
    captureContent,
    semconv: resolveSemconvMode(reader),
    maxContentLength: reader.integer('GENAI_OTEL_MAX_CONTENT_LENGTH', DEFAULT_MAX_CONTENT_LENGTH, 16, 100_000_000),
    pricesFile: options.pricesFile ?? reader.raw('GENAI_OTEL_PRICES_FILE'),
    streamIdleTimeoutMillis: reader.integer(
      'GENAI_OTEL_STREAM_IDLE_TIMEOUT_MS',
      DEFAULT_STREAM_IDLE_TIMEOUT_MILLIS,
      1,
      24 * 60 * 60 * 1000,
    ),
    providerHosts: {
      ...lowerCaseKeys(reader.keyValueList('GENAI_OTEL_PROVIDER_HOSTS')),
      ...lowerCaseKeys(options.providerHosts ?? {}),
    },
    propagateBaggage: options.propagateBaggage ?? reader.boolean('GENAI_OTEL_PROPAGATE_BAGGAGE', false),
    llmLogs: options.llmLogs ?? reader.boolean('GENAI_OTEL_LLM_LOGS', false),
    clientId: options.clientId ?? reader.raw('GENAI_OTEL_CLIENT_ID'),
    workloadId: reader.raw('GENAI_OTEL_WORKLOAD_ID'),
    loggerLevel: reader.oneOf('GENAI_OTEL_LOGGER_LEVEL', LOGGER_LEVELS, 'info'),
    loggerStdout: reader.boolean('GENAI_OTEL_LOGGER_STDOUT', true),
  };
}

/**
 * The names in `start({ instrumentations })`, which override GENAI_OTEL_INSTRUMENTATIONS; undefined (the variable
 * decides) when the option is missing or holds only instrumentation objects, which are added to the named ones.
 */
function namesFromOptions(option: StartOptions['instrumentations']): InstrumentationName[] | undefined {
  if (!Array.isArray(option)) return undefined;
  const names = option.filter((entry): entry is InstrumentationName => typeof entry === 'string');
  return names.length === 0 && option.length > 0 ? undefined : names;
}

/** Host names are case-insensitive: `API.Example.com=x` matches `api.example.com`. */
function lowerCaseKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key.toLowerCase(), value]));
}

function resolveInstrumentations(reader: EnvReader): InstrumentationName[] {
  const choices: readonly (InstrumentationName | 'all' | 'none')[] = [...INSTRUMENTATIONS, 'all', 'none'];
  const names = reader.listOf('GENAI_OTEL_INSTRUMENTATIONS', choices, INSTRUMENTATIONS);
  if (names.includes('none')) return [];
  return names.includes('all') ? [...INSTRUMENTATIONS] : (names as InstrumentationName[]);
}

function resolveLogBridges(reader: EnvReader): LogBridgeName[] {
  const names = reader.listOf('GENAI_OTEL_LOG_BRIDGES', [...LOG_BRIDGES, 'none'], LOG_BRIDGES);
  return names.includes('none') ? [] : (names as LogBridgeName[]);
}

function resolveDetectors(reader: EnvReader): ResourceDetectorName[] {
  const choices: readonly (ResourceDetectorName | 'all' | 'none')[] = [...DETECTORS, 'all', 'none'];
  const names = reader.listOf('OTEL_NODE_RESOURCE_DETECTORS', choices, DETECTORS);
  if (names.includes('none')) return [];
  return names.includes('all') ? [...DETECTORS] : (names as ResourceDetectorName[]);
}

function resolveSamplerRatio(reader: EnvReader, sampler: SamplerName, optionRatio: number | undefined): number {
  if (optionRatio !== undefined) {
    if (Number.isFinite(optionRatio) && optionRatio >= 0 && optionRatio <= 1) return optionRatio;
    reader.problem(
      'samplerRatio (start option)',
      String(optionRatio),
      'accepted values are numbers from 0 to 1; using 1',
    );
    return 1;
  }
  const ratio = reader.number('OTEL_TRACES_SAMPLER_ARG', 1, 0, 1);
  return sampler.endsWith('traceidratio') ? ratio : 1;
}

function exporterList(
  reader: EnvReader,
  variable: string,
  option: ExporterName | ExporterName[] | undefined,
): ExporterName[] {
  const names =
    option === undefined ? reader.listOf(variable, EXPORTERS, ['otlp']) : Array.isArray(option) ? option : [option];
  // The spec: "none" anywhere in the list turns the signal off.
  return names.includes('none') ? [] : names;
}

function resolveOtlpSignal(
  reader: EnvReader,
  signal: SignalName,
  baseEndpoint: string,
  endpointFromOptions: boolean,
  options: StartOptions,
): OtlpSignalConfig {
  const upper = signal.toUpperCase();
  const signalEndpoint = endpointFromOptions ? undefined : reader.url(`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`);
  const url = signalEndpoint ?? `${baseEndpoint.replace(/\/+$/, '')}/${SIGNAL_PATHS[signal]}`;

  const protocolSetting = reader.first([`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL']);
  let protocol: OtlpProtocol = 'http/protobuf';
  if (options.protocol !== undefined) {
    protocol = reader.oneOfValue('protocol (start option)', options.protocol, PROTOCOLS, 'http/protobuf');
  } else if (protocolSetting !== undefined) {
    protocol = reader.oneOfValue(protocolSetting.name, protocolSetting.value, PROTOCOLS, 'http/protobuf');
  }

  const compressionSetting = reader.first([
    `OTEL_EXPORTER_OTLP_${upper}_COMPRESSION`,
    'OTEL_EXPORTER_OTLP_COMPRESSION',
  ]);
  const compression =
    compressionSetting === undefined
      ? 'none'
      : reader.oneOfValue(compressionSetting.name, compressionSetting.value, COMPRESSIONS, 'none');

  const timeoutSetting = reader.first([`OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`, 'OTEL_EXPORTER_OTLP_TIMEOUT']);
  const timeoutMillis =
    timeoutSetting === undefined
      ? 10000
      : reader.integerValue(timeoutSetting.name, timeoutSetting.value, 10000, 1, MAX_TIMEOUT_MILLIS);

  const headers = {
    ...reader.keyValueList('OTEL_EXPORTER_OTLP_HEADERS'),
    ...reader.keyValueList(`OTEL_EXPORTER_OTLP_${upper}_HEADERS`),
    ...options.headers,
  };
  return { url, headers, protocol, compression, timeoutMillis };
}

function resolveBatch(reader: EnvReader, prefix: 'OTEL_BSP' | 'OTEL_BLRP', defaults: BatchConfig): BatchConfig {
  return {
    scheduledDelayMillis: reader.integer(
      `${prefix}_SCHEDULE_DELAY`,
      defaults.scheduledDelayMillis,
      0,
      MAX_TIMEOUT_MILLIS,
    ),
    exportTimeoutMillis: reader.integer(
      `${prefix}_EXPORT_TIMEOUT`,
      defaults.exportTimeoutMillis,
      1,
      MAX_TIMEOUT_MILLIS,
    ),
    maxQueueSize: reader.integer(`${prefix}_MAX_QUEUE_SIZE`, defaults.maxQueueSize, 1, 10_000_000),
    maxExportBatchSize: reader.integer(`${prefix}_MAX_EXPORT_BATCH_SIZE`, defaults.maxExportBatchSize, 1, 10_000_000),
  };
}

function resolveLimits(reader: EnvReader): GenAIOtelConfig['limits'] {
  const limits: GenAIOtelConfig['limits'] = {};
  if (reader.raw('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') !== undefined) {
    limits.attributeValueLengthLimit = reader.integer('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', Number.POSITIVE_INFINITY, 0);
  }
  if (reader.raw('OTEL_ATTRIBUTE_COUNT_LIMIT') !== undefined) {
    limits.attributeCountLimit = reader.integer('OTEL_ATTRIBUTE_COUNT_LIMIT', 128, 0);
  }
  return limits;
}

/** A misspelt GENAI_OTEL_ variable would otherwise be ignored in silence. */
function reportUnknownGenAIOtelVariables(reader: EnvReader): void {
  const known = GENAI_OTEL_VARIABLES.map((variable) => variable.name);
  for (const name of Object.keys(reader.env)) {
    if (!name.startsWith('GENAI_OTEL_') || known.includes(name)) continue;
    const closest = known
      .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
      .sort((a, b) => a.distance - b.distance)[0];
    const hint = closest !== undefined && closest.distance <= 4 ? `did you mean ${closest.candidate}? ` : '';
    // Its value is never printed: an unknown name may be a misspelt key or token.
    reader.problem(
      name,
      HIDDEN_VALUE,
      `is not a genai-otel variable and is ignored; ${hint}known variables are ${known.join(', ')}`,
    );
  }
}
