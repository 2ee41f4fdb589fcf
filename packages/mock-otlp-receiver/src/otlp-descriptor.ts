// A protobufjs JSON descriptor (the `INamespace` shape accepted by
// `protobuf.Root.fromJSON`) for the subset of the OTLP messages that the test
// receiver decodes. Written by hand from the public opentelemetry-proto
// definitions (opentelemetry/proto/{common,resource,trace,metrics,logs}/v1 and
// collector/{trace,metrics,logs}/v1); only message names, field names, field
// numbers and wire types matter here.
//
// Field names are the lowerCamelCase JSON names of the proto fields, so the
// decoded protobuf objects have the same keys as OTLP/JSON payloads.
//
// Deliberately left out: profiles, Resource.entity_refs, AnyValue
// string_value_strindex / KeyValue.key_strindex (profiles-only dictionaries),
// Metric.metadata. Unknown fields are skipped by the decoder, so a newer
// exporter sending them still decodes.

type Field = { type: string; id: number; rule?: 'repeated'; options?: Record<string, unknown> };
type Message = {
  fields: Record<string, Field>;
  oneofs?: Record<string, { oneof: string[] }>;
  nested?: Record<string, Message | EnumDef>;
};
type EnumDef = { values: Record<string, number> };
type Namespace = { nested: Record<string, Namespace | Message | EnumDef> };

const KEY_VALUE = 'opentelemetry.proto.common.v1.KeyValue';
const RESOURCE = 'opentelemetry.proto.resource.v1.Resource';
const SCOPE = 'opentelemetry.proto.common.v1.InstrumentationScope';

/** `optional` (proto3 explicit presence) scalar field. */
function optional(type: string, id: number): Field {
  return { type, id, options: { proto3_optional: true } };
}
function repeated(type: string, id: number): Field {
  return { type, id, rule: 'repeated' };
}
/** Synthetic oneofs protobufjs uses to track proto3 `optional` presence. */
function presence(...names: string[]): Record<string, { oneof: string[] }> {
  const out: Record<string, { oneof: string[] }> = {};
  for (const n of names) out[`_${n}`] = { oneof: [n] };
  return out;
}

const common: Namespace = {
  nested: {
    AnyValue: {
      oneofs: {
        value: {
          oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'],
        },
      },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
    KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
    KeyValue: {
      fields: {
        key: { type: 'string', id: 1 },
        value: { type: 'AnyValue', id: 2 },
      },
    },
    InstrumentationScope: {
      fields: {
        name: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
        attributes: repeated(KEY_VALUE, 3),
        droppedAttributesCount: { type: 'uint32', id: 4 },
      },
    },
  },
};

const resource: Namespace = {
  nested: {
    Resource: {
      fields: {
        attributes: repeated(KEY_VALUE, 1),
        droppedAttributesCount: { type: 'uint32', id: 2 },
      },
    },
  },
};

const trace: Namespace = {
  nested: {
    ResourceSpans: {
      fields: {
        resource: { type: RESOURCE, id: 1 },
        scopeSpans: repeated('ScopeSpans', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    ScopeSpans: {
      fields: {
        scope: { type: SCOPE, id: 1 },
        spans: repeated('Span', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        flags: { type: 'fixed32', id: 16 },
        name: { type: 'string', id: 5 },
        kind: { type: 'SpanKind', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: repeated(KEY_VALUE, 9),
        droppedAttributesCount: { type: 'uint32', id: 10 },
        events: repeated('Event', 11),
        droppedEventsCount: { type: 'uint32', id: 12 },
        links: repeated('Link', 13),
        droppedLinksCount: { type: 'uint32', id: 14 },
        status: { type: 'Status', id: 15 },
      },
      nested: {
        SpanKind: {
          values: {
            SPAN_KIND_UNSPECIFIED: 0,
            SPAN_KIND_INTERNAL: 1,
            SPAN_KIND_SERVER: 2,
            SPAN_KIND_CLIENT: 3,
            SPAN_KIND_PRODUCER: 4,
            SPAN_KIND_CONSUMER: 5,
          },
        },
        Event: {
          fields: {
            timeUnixNano: { type: 'fixed64', id: 1 },
            name: { type: 'string', id: 2 },
            attributes: repeated(KEY_VALUE, 3),
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
        Link: {
          fields: {
            traceId: { type: 'bytes', id: 1 },
            spanId: { type: 'bytes', id: 2 },
            traceState: { type: 'string', id: 3 },
            attributes: repeated(KEY_VALUE, 4),
            droppedAttributesCount: { type: 'uint32', id: 5 },
            flags: { type: 'fixed32', id: 6 },
          },
        },
      },
    },
    Status: {
      fields: {
        // field 1 is reserved (the deprecated `deprecated_code`)
        message: { type: 'string', id: 2 },
        code: { type: 'StatusCode', id: 3 },
      },
      nested: {
        StatusCode: { values: { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 } },
      },
    },
  },
};

const metrics: Namespace = {
  nested: {
    ResourceMetrics: {
      fields: {
        resource: { type: RESOURCE, id: 1 },
        scopeMetrics: repeated('ScopeMetrics', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    ScopeMetrics: {
      fields: {
        scope: { type: SCOPE, id: 1 },
        metrics: repeated('Metric', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
      fields: {
        name: { type: 'string', id: 1 },
        description: { type: 'string', id: 2 },
        unit: { type: 'string', id: 3 },
        gauge: { type: 'Gauge', id: 5 },
        sum: { type: 'Sum', id: 7 },
        histogram: { type: 'Histogram', id: 9 },
        exponentialHistogram: { type: 'ExponentialHistogram', id: 10 },
        summary: { type: 'Summary', id: 11 },
      },
    },
    Gauge: { fields: { dataPoints: repeated('NumberDataPoint', 1) } },
    Sum: {
      fields: {
        dataPoints: repeated('NumberDataPoint', 1),
        aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
        isMonotonic: { type: 'bool', id: 3 },
      },
    },
    Histogram: {
      fields: {
        dataPoints: repeated('HistogramDataPoint', 1),
        aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
      },
    },
    ExponentialHistogram: {
      fields: {
        dataPoints: repeated('ExponentialHistogramDataPoint', 1),
        aggregationTemporality: { type: 'AggregationTemporality', id: 2 },
      },
    },
    Summary: { fields: { dataPoints: repeated('SummaryDataPoint', 1) } },
    AggregationTemporality: {
      values: {
        AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
        AGGREGATION_TEMPORALITY_DELTA: 1,
        AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
      },
    },
    NumberDataPoint: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        attributes: repeated(KEY_VALUE, 7),
        startTimeUnixNano: { type: 'fixed64', id: 2 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        asDouble: { type: 'double', id: 4 },
        asInt: { type: 'sfixed64', id: 6 },
        exemplars: repeated('Exemplar', 5),
        flags: { type: 'uint32', id: 8 },
      },
    },
    HistogramDataPoint: {
      oneofs: presence('sum', 'min', 'max'),
      fields: {
        attributes: repeated(KEY_VALUE, 9),
        startTimeUnixNano: { type: 'fixed64', id: 2 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        count: { type: 'fixed64', id: 4 },
        sum: optional('double', 5),
        bucketCounts: repeated('fixed64', 6),
        explicitBounds: repeated('double', 7),
        exemplars: repeated('Exemplar', 8),
        flags: { type: 'uint32', id: 10 },
        min: optional('double', 11),
        max: optional('double', 12),
      },
    },
    ExponentialHistogramDataPoint: {
      oneofs: presence('sum', 'min', 'max'),
      fields: {
        attributes: repeated(KEY_VALUE, 1),
        startTimeUnixNano: { type: 'fixed64', id: 2 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        count: { type: 'fixed64', id: 4 },
        sum: optional('double', 5),
        scale: { type: 'sint32', id: 6 },
        zeroCount: { type: 'fixed64', id: 7 },
        positive: { type: 'Buckets', id: 8 },
        negative: { type: 'Buckets', id: 9 },
        flags: { type: 'uint32', id: 10 },
        exemplars: repeated('Exemplar', 11),
        min: optional('double', 12),
        max: optional('double', 13),
        zeroThreshold: { type: 'double', id: 14 },
      },
      nested: {
        Buckets: {
          fields: {
            offset: { type: 'sint32', id: 1 },
            bucketCounts: repeated('uint64', 2),
          },
        },
      },
    },
    SummaryDataPoint: {
      fields: {
        attributes: repeated(KEY_VALUE, 7),
        startTimeUnixNano: { type: 'fixed64', id: 2 },
        timeUnixNano: { type: 'fixed64', id: 3 },
        count: { type: 'fixed64', id: 4 },
        sum: { type: 'double', id: 5 },
        quantileValues: repeated('ValueAtQuantile', 6),
        flags: { type: 'uint32', id: 8 },
      },
      nested: {
        ValueAtQuantile: {
          fields: {
            quantile: { type: 'double', id: 1 },
            value: { type: 'double', id: 2 },
          },
        },
      },
    },
    Exemplar: {
      oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
      fields: {
        filteredAttributes: repeated(KEY_VALUE, 7),
        timeUnixNano: { type: 'fixed64', id: 2 },
        asDouble: { type: 'double', id: 3 },
        asInt: { type: 'sfixed64', id: 6 },
        spanId: { type: 'bytes', id: 4 },
        traceId: { type: 'bytes', id: 5 },
      },
    },
  },
};

const logs: Namespace = {
  nested: {
    ResourceLogs: {
      fields: {
        resource: { type: RESOURCE, id: 1 },
        scopeLogs: repeated('ScopeLogs', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    ScopeLogs: {
      fields: {
        scope: { type: SCOPE, id: 1 },
        logRecords: repeated('LogRecord', 2),
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    SeverityNumber: {
      values: {
        SEVERITY_NUMBER_UNSPECIFIED: 0,
        SEVERITY_NUMBER_TRACE: 1,
        SEVERITY_NUMBER_TRACE2: 2,
        SEVERITY_NUMBER_TRACE3: 3,
        SEVERITY_NUMBER_TRACE4: 4,
        SEVERITY_NUMBER_DEBUG: 5,
        SEVERITY_NUMBER_DEBUG2: 6,
        SEVERITY_NUMBER_DEBUG3: 7,
        SEVERITY_NUMBER_DEBUG4: 8,
        SEVERITY_NUMBER_INFO: 9,
        SEVERITY_NUMBER_INFO2: 10,
        SEVERITY_NUMBER_INFO3: 11,
        SEVERITY_NUMBER_INFO4: 12,
        SEVERITY_NUMBER_WARN: 13,
        SEVERITY_NUMBER_WARN2: 14,
        SEVERITY_NUMBER_WARN3: 15,
        SEVERITY_NUMBER_WARN4: 16,
        SEVERITY_NUMBER_ERROR: 17,
        SEVERITY_NUMBER_ERROR2: 18,
        SEVERITY_NUMBER_ERROR3: 19,
        SEVERITY_NUMBER_ERROR4: 20,
        SEVERITY_NUMBER_FATAL: 21,
        SEVERITY_NUMBER_FATAL2: 22,
        SEVERITY_NUMBER_FATAL3: 23,
        SEVERITY_NUMBER_FATAL4: 24,
      },
    },
    LogRecord: {
      fields: {
        // field 4 is reserved
        timeUnixNano: { type: 'fixed64', id: 1 },
        observedTimeUnixNano: { type: 'fixed64', id: 11 },
        severityNumber: { type: 'SeverityNumber', id: 2 },
        severityText: { type: 'string', id: 3 },
        body: { type: 'opentelemetry.proto.common.v1.AnyValue', id: 5 },
        attributes: repeated(KEY_VALUE, 6),
        droppedAttributesCount: { type: 'uint32', id: 7 },
        flags: { type: 'fixed32', id: 8 },
        traceId: { type: 'bytes', id: 9 },
        spanId: { type: 'bytes', id: 10 },
        eventName: { type: 'string', id: 12 },
      },
    },
  },
};

/** Export*ServiceRequest / Export*ServiceResponse for one signal. */
function collector(signal: 'Trace' | 'Metrics' | 'Logs', payload: string, rejectedField: string): Namespace {
  const resourceField = { Trace: 'resourceSpans', Metrics: 'resourceMetrics', Logs: 'resourceLogs' }[signal];
  return {
    nested: {
      [`Export${signal}ServiceRequest`]: {
        fields: { [resourceField]: repeated(payload, 1) },
      },
      [`Export${signal}ServiceResponse`]: {
        fields: { partialSuccess: { type: `Export${signal}PartialSuccess`, id: 1 } },
      },
      [`Export${signal}PartialSuccess`]: {
        fields: {
          [rejectedField]: { type: 'int64', id: 1 },
          errorMessage: { type: 'string', id: 2 },
        },
      },
    },
  };
}

/** Root descriptor: `protobuf.Root.fromJSON(otlpDescriptor)`. */
export const otlpDescriptor: Namespace = {
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: { nested: { v1: common } },
            resource: { nested: { v1: resource } },
            trace: { nested: { v1: trace } },
            metrics: { nested: { v1: metrics } },
            logs: { nested: { v1: logs } },
            collector: {
              nested: {
                trace: {
                  nested: {
                    v1: collector('Trace', 'opentelemetry.proto.trace.v1.ResourceSpans', 'rejectedSpans'),
                  },
                },
                metrics: {
                  nested: {
                    v1: collector('Metrics', 'opentelemetry.proto.metrics.v1.ResourceMetrics', 'rejectedDataPoints'),
                  },
                },
                logs: {
                  nested: {
                    v1: collector('Logs', 'opentelemetry.proto.logs.v1.ResourceLogs', 'rejectedLogRecords'),
                  },
                },
              },
            },
          },
        },
      },
    },
    // google.rpc.Status: the body of OTLP/HTTP error responses (details omitted).
    google: {
      nested: {
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

export const OTLP_TYPES = {
  traceRequest: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  traceResponse: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  metricsRequest: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  metricsResponse: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  logsRequest: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  logsResponse: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  rpcStatus: 'google.rpc.Status',
  spanKind: 'opentelemetry.proto.trace.v1.Span.SpanKind',
  statusCode: 'opentelemetry.proto.trace.v1.Status.StatusCode',
  severityNumber: 'opentelemetry.proto.logs.v1.SeverityNumber',
  aggregationTemporality: 'opentelemetry.proto.metrics.v1.AggregationTemporality',
} as const;
