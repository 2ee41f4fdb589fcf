import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { RedactionGroupName, RedactionRuleName } from './redaction-rule-names.ts';
import type {
  ContentCaptureMode,
  ExporterName,
  InstrumentationName,
  LogLevelName,
  MetricsTemporality,
  OtlpProtocol,
  PropagatorName,
  ResourceDetectorName,
  SamplerName,
} from './config-types.ts';

/**
 * Options for `start()`. Each one overrides the matching environment variable; anything left out comes from
 * the environment, then from genai-otel's defaults.
 *
 * @example
 * start({ serviceName: 'support-bot', endpoint: 'http://collector:4318', sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
 */
export interface StartOptions {
  /** Overrides OTEL_SDK_DISABLED. */
  disabled?: boolean;
  /** Overrides OTEL_LOG_LEVEL. */
  logLevel?: LogLevelName;
  /** Overrides OTEL_SERVICE_NAME. */
  serviceName?: string;
  /** service.version; defaults to the version in the app's package.json. */
  serviceVersion?: string;
  /** Merged over OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes?: Record<string, string>;
  /** Overrides OTEL_NODE_RESOURCE_DETECTORS. */
  resourceDetectors?: ResourceDetectorName[];
  /** Overrides OTEL_PROPAGATORS. */
  propagators?: PropagatorName[];
  /** Base OTLP/HTTP URL; overrides OTEL_EXPORTER_OTLP_ENDPOINT (signal-specific variables still win for their signal). */
  endpoint?: string;
  /** Merged over OTEL_EXPORTER_OTLP_HEADERS. */
  headers?: Record<string, string>;
  /** Overrides OTEL_EXPORTER_OTLP_PROTOCOL. */
  protocol?: OtlpProtocol;
  /** Overrides OTEL_TRACES_EXPORTER. */
  tracesExporter?: ExporterName | ExporterName[];
  /** Overrides OTEL_METRICS_EXPORTER. */
  metricsExporter?: ExporterName | ExporterName[];
  /** Overrides OTEL_LOGS_EXPORTER. */
  logsExporter?: ExporterName | ExporterName[];
  /** Overrides OTEL_TRACES_SAMPLER. */
  sampler?: SamplerName;
  /** Overrides OTEL_TRACES_SAMPLER_ARG. */
  samplerRatio?: number;
  /** Overrides OTEL_METRIC_EXPORT_INTERVAL (ms). */
  metricExportIntervalMillis?: number;
  /** Overrides OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE. */
  metricsTemporality?: MetricsTemporality;
  /** Overrides GENAI_OTEL_SHUTDOWN_TIMEOUT_MS. */
  shutdownTimeoutMillis?: number;
  /** Overrides GENAI_OTEL_EXIT_HANDLERS: flush on beforeExit, SIGTERM and SIGINT. */
  installExitHandlers?: boolean;
  /** Overrides OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT; `true` means `span`. */
  captureContent?: boolean | ContentCaptureMode;
  /** Overrides GENAI_OTEL_PRICES_FILE. */
  pricesFile?: string;
  /** Added to GENAI_OTEL_PROVIDER_HOSTS: `{ 'localhost:8000': 'vllm' }`. */
  providerHosts?: Record<string, string>;
  /** Overrides GENAI_OTEL_SPOOL. */
  spool?: boolean;
  /** Overrides GENAI_OTEL_SPOOL_DIR. */
  spoolDirectory?: string;
  /** Overrides GENAI_OTEL_FILE_DIR (the `file` exporter's folder). */
  fileDirectory?: string;
  /**
   * Names override GENAI_OTEL_INSTRUMENTATIONS (`[]` traces no library automatically); OpenTelemetry instrumentation
   * objects (`new PgInstrumentation()`) are enabled with genai-otel's providers, in addition to the named ones.
   */
  instrumentations?: (InstrumentationName | Instrumentation)[];
  /** Overrides GENAI_OTEL_PROPAGATE_BAGGAGE. */
  propagateBaggage?: boolean;
  /** Overrides GENAI_OTEL_LLM_LOGS. */
  llmLogs?: boolean;
  /** Overrides GENAI_OTEL_CLIENT_ID. */
  clientId?: string;
  /**
   * Overrides GENAI_OTEL_REDACT (`false` turns the pattern rules off), and with an object GENAI_OTEL_REDACT_DISABLE
   * (`disable`) and GENAI_OTEL_REDACT_PATTERNS (`patterns`).
   */
  redact?: boolean | RedactOptions;
  /** Overrides GENAI_OTEL_USER_ID_HMAC_KEY: `user.id`, `session.id` and the other identity attributes are hashed with it. */
  userIdHmacKey?: string;
}

/**
 * Redaction settings given in code.
 *
 * @example
 * start({ redact: { disable: ['ip'], patterns: [{ name: 'employee_id', pattern: /EMP-\d{6}/ }] } });
 */
export interface RedactOptions {
  /** Built-in rules or groups switched off. */
  disable?: (RedactionRuleName | RedactionGroupName)[];
  /** Patterns of your own; a string is compiled as a regular expression. */
  patterns?: { name: string; pattern: string | RegExp }[];
}
