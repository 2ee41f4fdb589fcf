import { SpanKind, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { describeError, warnOnce } from '../core/diagnostics.ts';
import { ShapeCache } from './shape-cache.ts';
import { capturesContentOnSpans } from './content.ts';
import { genaiInstruments } from './genai-instruments.ts';
import { activeAgentName, withAgentName } from './agent-scope.ts';
import { recordAgentDuration, recordToolDuration, recordWorkflowDuration } from './operation-metrics.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_MEMORY_QUERY_TEXT,
  ATTR_GEN_AI_MEMORY_RECORDS,
  ATTR_GEN_AI_MEMORY_RECORD_COUNT,
  ATTR_GEN_AI_MEMORY_RECORD_ID,
  ATTR_GEN_AI_MEMORY_STORE_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_RETRIEVAL_TOP_K,
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_RESPONSE_RETURNED_ROWS,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_WORKFLOW_NAME,
} from '../attributes/names.ts';
import { MAX_PLAIN_STRING_LENGTH, isObject, putAttribute, safeJson, truncate } from '../attributes/safe-values.ts';
import { genaiSettings } from '../config/genai-settings.ts';
import { startRun, type UntypedFunction, type RunOutcome } from './span-runner.ts';
import type {
  AgentRequest,
  MemoryOperation,
  MemoryOperationRequest,
  RetrievalRequest,
  SpanOptions,
  ToolCallRequest,
  WorkflowRequest,
} from './llm-types.ts';

/** What a helper decided about one call before it runs. */
interface OperationSpec {
  spanName: string;
  kind: SpanKind;
  attributes: Attributes;
  onEnd?(span: Span, outcome: RunOutcome): void;
  decorateContext?(runContext: Context): Context;
}

interface HelperContext {
  captureContent: boolean;
  maxContentLength: number;
}

type Describe<Req> = (request: Partial<Req>, helper: HelperContext, store?: StoreCallFacts) => OperationSpec;

/**
 * What an automatic instrumentation knows about one vector-store call beyond the helper's request: the `db.*` and
 * `server.*` attributes (also the labels of `db.client.operation.duration`), and how to read what the call returned
 * or sent. Readers run when the span ends, inside its guard: a reader that throws costs the attribute, not the call.
 */
export interface StoreCallFacts {
  attributes: Attributes;
  /** The records or documents a query returned, as `{ id, score, content?, metadata? }` objects (undefined: unknown). */
  resultRecords?(value: unknown): unknown[] | undefined;
  /** The records a write sent, recorded as `gen_ai.memory.records` with content capture on. */
  sentRecords?(): unknown;
}

/** Runs `fn` (with `this` and `args` as given) in the span `describe` asks for; untraced if anything about the setup fails. */
function runOperation<Req, R>(
  origin: string,
  describe: Describe<Req>,
  request: unknown,
  fn: UntypedFunction<R>,
  thisArg: unknown,
  args: unknown[],
  store?: StoreCallFacts,
): R {
  if (typeof fn !== 'function') {
    warnOnce(`${origin}:fn`, `${origin}: the function argument is not a function; nothing was called`);
    return fn;
  }
  let spec: OperationSpec;
  let streamIdleTimeoutMillis: number;
  try {
    if (!isObject(request))
      warnOnce(`${origin}:request`, `${origin}: the request must be an object; the call is traced without its details`);
    const settings = genaiSettings();
    streamIdleTimeoutMillis = settings.streamIdleTimeoutMillis;
    const given = (isObject(request) ? request : {}) as Partial<Req> & { captureContent?: boolean };
    spec = describe(
      given,
      {
        captureContent: capturesContentOnSpans(settings.captureContent, given.captureContent),
        maxContentLength: settings.maxContentLength,
      },
      store,
    );
  } catch (error) {
    warnOnce(
      `${origin}:setup`,
      `${origin}: could not set up tracing (${describeError(error)}); the call runs untraced`,
    );
    return fn.apply(thisArg, args);
  }
  const run = startRun(spec.spanName, spec.kind, spec.attributes, {
    streamIdleTimeoutMillis,
    onEnd: (span, outcome) => spec.onEnd?.(span, outcome),
    decorateContext: spec.decorateContext,
  });
  if (run === undefined) return fn.apply(thisArg, args);
  // A store call keeps its own arguments, none included; a helper's callback gets the span.
  const callArgs = args.length === 0 && store === undefined ? [run.span] : args;
  return run.run(fn, thisArg, callArgs);
}

const storeMetricAttributes = new ShapeCache();

/** `db.client.operation.duration` of one store call, labelled as the database conventions say. */
function recordStoreDuration(store: StoreCallFacts | undefined, outcome: RunOutcome): void {
  if (store === undefined) return;
  const { attributes } = store;
  const labels = [
    attributes[ATTR_DB_SYSTEM_NAME],
    attributes[ATTR_DB_COLLECTION_NAME],
    attributes[ATTR_DB_OPERATION_NAME],
    attributes[ATTR_SERVER_ADDRESS],
    attributes[ATTR_SERVER_PORT],
    outcome.errorType,
  ] as (string | number | undefined)[];
  const metricAttributes = storeMetricAttributes.get(labels, () => {
    const built: Attributes = {};
    for (const key of [
      ATTR_DB_SYSTEM_NAME,
      ATTR_DB_COLLECTION_NAME,
      ATTR_DB_OPERATION_NAME,
      ATTR_SERVER_ADDRESS,
      ATTR_SERVER_PORT,
    ])
      if (attributes[key] !== undefined) built[key] = attributes[key];
    if (outcome.errorType !== undefined) built[ATTR_ERROR_TYPE] = outcome.errorType;
    return built;
  });
  genaiInstruments().storeDuration.record(outcome.durationSeconds, metricAttributes);
}

/** The records a store call returned, read once per span end (a reader that throws leaves them unknown). */
function returnedRecords(store: StoreCallFacts | undefined, value: unknown): unknown[] | undefined {
  if (store?.resultRecords === undefined || value === undefined) return undefined;
  return store.resultRecords(value);
}

/** The pair of helpers every operation gets: `with*(request, fn)` for one call, `trace*(fn, request)` to wrap a function. */
function defineHelpers<Req>(origin: string, describe: Describe<Req>) {
  const withOperation = <R>(request: Req, fn: (span: Span) => R): R =>
    runOperation(origin, describe, request, fn as UntypedFunction<R>, undefined, []);
  const traceOperation = <A extends unknown[], R>(
    fn: (...args: A) => R,
    request: Req | ((...args: A) => Req),
  ): ((...args: A) => R) =>
    function traced(this: unknown, ...args: A): R {
      let resolved: unknown = request;
      if (typeof request === 'function') {
        try {
          resolved = (request as (...args: A) => Req).apply(this, args);
        } catch (error) {
          warnOnce(
            `${origin}:request-fn`,
            `${origin}: the request function threw (${describeError(error)}); the call is traced without its details`,
          );
          resolved = undefined;
        }
      }
      // A wrapped function keeps its own arguments; its span is reachable through trace.getActiveSpan().
      return runOperation(
        origin,
        describe,
        resolved,
        fn as UntypedFunction<R>,
        this,
        args.length === 0 ? [undefined] : args,
      );
    };
  return { withOperation, traceOperation };
}

function requireName(origin: string, field: string, value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return truncate(value, MAX_PLAIN_STRING_LENGTH);
  warnOnce(`${origin}:${field}`, `${origin}: ${field} is missing; the span is named after the operation only`);
  return undefined;
}

function named(operation: string, name: string | undefined): string {
  return name === undefined ? operation : `${operation} ${name}`;
}

const memoryMetricAttributes = new ShapeCache();

const toolHelpers = defineHelpers<ToolCallRequest>('withToolCall', (request, helper) => {
  const name = requireName('withToolCall', 'name', request.name);
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool' };
  putAttribute(attributes, ATTR_GEN_AI_TOOL_NAME, name, 'withToolCall');
  putAttribute(attributes, ATTR_GEN_AI_TOOL_CALL_ID, request.callId, 'withToolCall');
  putAttribute(attributes, ATTR_GEN_AI_TOOL_TYPE, request.type, 'withToolCall');
  putAttribute(attributes, ATTR_GEN_AI_TOOL_DESCRIPTION, request.description, 'withToolCall');
  putAttribute(attributes, ATTR_GEN_AI_AGENT_NAME, activeAgentName(), 'withToolCall');
  if (helper.captureContent && request.arguments !== undefined) {
    attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = safeJson(request.arguments, helper.maxContentLength);
  }
  return {
    spanName: named('execute_tool', name),
    kind: SpanKind.INTERNAL,
    attributes,
    onEnd(span, outcome) {
      if (helper.captureContent && request.captureResult !== false && outcome.value !== undefined) {
        span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, safeJson(outcome.value, helper.maxContentLength));
      }
      recordToolDuration(outcome.durationSeconds, {
        name: attributes[ATTR_GEN_AI_TOOL_NAME] as string | undefined,
        type: attributes[ATTR_GEN_AI_TOOL_TYPE] as string | undefined,
        agentName: attributes[ATTR_GEN_AI_AGENT_NAME] as string | undefined,
        errorType: outcome.errorType,
      });
    },
  };
});

/**
 * Runs `fn` as a tool execution: an INTERNAL `execute_tool {name}` span and `gen_ai.execute_tool.duration`.
 * Arguments and result are recorded only when content capture is on.
 *
 * @example
 * const order = await withToolCall({ name: 'lookup_order', callId: toolCall.id, arguments: args }, () => orders.find(args.id));
 */
export const withToolCall = toolHelpers.withOperation;
/**
 * Wraps a tool function once; every call becomes an `execute_tool` span.
 *
 * @example
 * const lookupOrder = traceTool(rawLookupOrder, { name: 'lookup_order' });
 */
export const traceTool = toolHelpers.traceOperation;

const MEMORY_OPERATIONS: Record<MemoryOperation, string> = {
  create_memory_store: 'create_memory_store',
  delete_memory_store: 'delete_memory_store',
  create_memory: 'create_memory',
  update_memory: 'update_memory',
  upsert_memory: 'upsert_memory',
  search_memory: 'search_memory',
  delete_memory: 'delete_memory',
  create_store: 'create_memory_store',
  delete_store: 'delete_memory_store',
  create: 'create_memory',
  update: 'update_memory',
  upsert: 'upsert_memory',
  search: 'search_memory',
  delete: 'delete_memory',
};

function describeMemory(
  request: Partial<MemoryOperationRequest>,
  helper: HelperContext,
  store?: StoreCallFacts,
): OperationSpec {
  let operation = MEMORY_OPERATIONS[request.operation as MemoryOperation];
  if (operation === undefined) {
    warnOnce(
      `withMemoryOperation:operation:${String(request.operation)}`,
      `withMemoryOperation: operation "${String(request.operation)}" is not one of ${Object.keys(MEMORY_OPERATIONS).join(', ')}; recorded as search_memory`,
    );
    operation = 'search_memory';
  }
  const attributes: Attributes = { ...store?.attributes, [ATTR_GEN_AI_OPERATION_NAME]: operation };
  putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, request.provider, 'withMemoryOperation');
  putAttribute(attributes, ATTR_GEN_AI_MEMORY_STORE_ID, request.storeId, 'withMemoryOperation');
  putAttribute(attributes, ATTR_GEN_AI_MEMORY_RECORD_ID, request.recordId, 'withMemoryOperation');
  putAttribute(attributes, ATTR_GEN_AI_MEMORY_RECORD_COUNT, request.recordCount, 'withMemoryOperation');
  if (helper.captureContent && request.query !== undefined)
    attributes[ATTR_GEN_AI_MEMORY_QUERY_TEXT] = safeJson(request.query, helper.maxContentLength);
  if (helper.captureContent && store?.sentRecords !== undefined) {
    const sent = store.sentRecords();
    if (sent !== undefined) attributes[ATTR_GEN_AI_MEMORY_RECORDS] = safeJson(sent, helper.maxContentLength);
  }
  return {
    spanName: operation,
    kind: SpanKind.CLIENT,
    attributes,
    onEnd(span, outcome) {
      if (operation === 'search_memory') {
        const records = store === undefined ? undefined : returnedRecords(store, outcome.value);
        const found = store === undefined ? outcome.value : records;
        // A search that returns its records tells how many it found.
        if (request.recordCount === undefined && Array.isArray(found)) {
          span.setAttribute(ATTR_GEN_AI_MEMORY_RECORD_COUNT, found.length);
          if (store !== undefined) span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, found.length);
        }
        if (helper.captureContent && found !== undefined) {
          span.setAttribute(ATTR_GEN_AI_MEMORY_RECORDS, safeJson(found, helper.maxContentLength));
        }
      }
      const provider = attributes[ATTR_GEN_AI_PROVIDER_NAME] as string | undefined;
      const metricAttributes = memoryMetricAttributes.get([operation, provider, outcome.errorType], () => {
        const built: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation };
        if (provider !== undefined) built[ATTR_GEN_AI_PROVIDER_NAME] = provider;
        if (outcome.errorType !== undefined) built[ATTR_ERROR_TYPE] = outcome.errorType;
        return built;
      });
      genaiInstruments().memoryDuration.record(outcome.durationSeconds, metricAttributes);
      recordStoreDuration(store, outcome);
    },
  };
}

const memoryHelpers = defineHelpers<MemoryOperationRequest>('withMemoryOperation', describeMemory);

/**
 * Runs `fn` as a memory operation (create/update/upsert/search/delete a memory, create/delete a store): a CLIENT span
 * named after the operation and `genai_otel.memory.operation.duration`. Query and records only with content capture.
 *
 * @example
 * const facts = await withMemoryOperation({ operation: 'search', storeId: 'user-facts', query }, () => store.search(query));
 */
export const withMemoryOperation = memoryHelpers.withOperation;
/** Wraps a memory function once. @example const search = traceMemory(store.search.bind(store), { operation: 'search', storeId: 'facts' }); */
export const traceMemory = memoryHelpers.traceOperation;

const agentHelpers = defineHelpers<AgentRequest>('withAgent', (request) => {
  const name = requireName('withAgent', 'name', request.name);
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent' };
  putAttribute(attributes, ATTR_GEN_AI_AGENT_NAME, name, 'withAgent');
  putAttribute(attributes, ATTR_GEN_AI_AGENT_ID, request.id, 'withAgent');
  putAttribute(attributes, ATTR_GEN_AI_AGENT_DESCRIPTION, request.description, 'withAgent');
  putAttribute(attributes, ATTR_GEN_AI_AGENT_VERSION, request.version, 'withAgent');
  // The conventions' in-process agent span has no provider (its model calls name theirs); a remote agent's has one.
  if (request.remote === true) putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, request.provider, 'withAgent');
  putAttribute(attributes, ATTR_GEN_AI_REQUEST_MODEL, request.model, 'withAgent');
  putAttribute(attributes, ATTR_GEN_AI_CONVERSATION_ID, request.conversationId, 'withAgent');
  return {
    spanName: named('invoke_agent', name),
    kind: request.remote === true ? SpanKind.CLIENT : SpanKind.INTERNAL,
    attributes,
    onEnd(_span, outcome) {
      recordAgentDuration(outcome.durationSeconds, {
        name: attributes[ATTR_GEN_AI_AGENT_NAME] as string | undefined,
        requestModel: attributes[ATTR_GEN_AI_REQUEST_MODEL] as string | undefined,
        errorType: outcome.errorType,
      });
    },
    decorateContext: (runContext) =>
      withAgentName(runContext, attributes[ATTR_GEN_AI_AGENT_NAME] as string | undefined),
  };
});

/**
 * Runs `fn` as one agent invocation: `invoke_agent {name}` (INTERNAL in process, CLIENT with `remote: true`), parent
 * of the LLM and tool spans inside, and `gen_ai.invoke_agent.duration`.
 *
 * @example
 * const answer = await withAgent({ name: 'support-agent', version: '3' }, () => agent.run(question));
 */
export const withAgent = agentHelpers.withOperation;
/** Wraps an agent function once. @example const run = traceAgent(rawRun, { name: 'researcher' }); */
export const traceAgent = agentHelpers.traceOperation;

const workflowHelpers = defineHelpers<WorkflowRequest>('withWorkflow', (request) => {
  const name = requireName('withWorkflow', 'name', request.name);
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_workflow' };
  putAttribute(attributes, ATTR_GEN_AI_WORKFLOW_NAME, name, 'withWorkflow');
  return {
    spanName: named('invoke_workflow', name),
    kind: SpanKind.INTERNAL,
    attributes,
    onEnd(_span, outcome) {
      recordWorkflowDuration(outcome.durationSeconds, {
        name: attributes[ATTR_GEN_AI_WORKFLOW_NAME] as string | undefined,
        errorType: outcome.errorType,
      });
    },
  };
});

/**
 * Runs `fn` as a workflow: an INTERNAL `invoke_workflow {name}` span grouping the agents, calls and tools inside.
 *
 * @example
 * await withWorkflow({ name: 'nightly-digest' }, async () => { ... });
 */
export const withWorkflow = workflowHelpers.withOperation;
/** Wraps a workflow function once. @example const digest = traceWorkflow(rawDigest, { name: 'nightly-digest' }); */
export const traceWorkflow = workflowHelpers.traceOperation;

function describeRetrieval(
  request: Partial<RetrievalRequest>,
  helper: HelperContext,
  store?: StoreCallFacts,
): OperationSpec {
  const dataSourceId = requireName('withRetrieval', 'dataSourceId', request.dataSourceId);
  const attributes: Attributes = { ...store?.attributes, [ATTR_GEN_AI_OPERATION_NAME]: 'retrieval' };
  putAttribute(attributes, ATTR_GEN_AI_DATA_SOURCE_ID, dataSourceId, 'withRetrieval');
  putAttribute(attributes, ATTR_GEN_AI_RETRIEVAL_TOP_K, request.topK, 'withRetrieval');
  putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, request.provider, 'withRetrieval');
  if (helper.captureContent && request.query !== undefined)
    attributes[ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT] = safeJson(request.query, helper.maxContentLength);
  return {
    spanName: named('retrieval', dataSourceId),
    kind: SpanKind.CLIENT,
    attributes,
    onEnd(span, outcome) {
      const documents = store === undefined ? outcome.value : returnedRecords(store, outcome.value);
      if (store !== undefined && Array.isArray(documents))
        span.setAttribute(ATTR_DB_RESPONSE_RETURNED_ROWS, documents.length);
      if (helper.captureContent && documents !== undefined) {
        span.setAttribute(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, safeJson(documents, helper.maxContentLength));
      }
      recordStoreDuration(store, outcome);
    },
  };
}

const retrievalHelpers = defineHelpers<RetrievalRequest>('withRetrieval', describeRetrieval);

/**
 * Runs `fn` as a retrieval from a data source (RAG): a CLIENT `retrieval {dataSourceId}` span. Query and documents
 * only with content capture.
 *
 * @example
 * const docs = await withRetrieval({ dataSourceId: 'kb-articles', topK: 5, query }, () => index.query(query, 5));
 */
export const withRetrieval = retrievalHelpers.withOperation;
/** Wraps a retrieval function once. @example const search = traceRetrieval(rawSearch, { dataSourceId: 'kb' }); */
export const traceRetrieval = retrievalHelpers.traceOperation;

/**
 * Runs one vector-store query of an automatic instrumentation as a `retrieval {dataSourceId}` span: the withRetrieval
 * span with the store's `db.*` attributes, `db.response.returned_rows`, the documents (content capture on) and
 * `db.client.operation.duration`. `fn` gets `thisArg` and `args` unchanged.
 *
 * @example
 * return runStoreRetrieval({ dataSourceId: 'docs', topK: 5 }, facts, original, this, args);
 */
export function runStoreRetrieval<R>(
  request: RetrievalRequest,
  store: StoreCallFacts,
  fn: UntypedFunction<R>,
  thisArg: unknown,
  args: unknown[],
): R {
  return runOperation('withRetrieval', describeRetrieval, request, fn, thisArg, args, store);
}

/**
 * Runs one vector-store write or search of an automatic instrumentation as a memory operation span (`upsert_memory`,
 * `delete_memory`, ...): the withMemoryOperation span with the store's `db.*` attributes, the records sent (content
 * capture on) and both duration metrics.
 *
 * @example
 * return runStoreMemoryOperation({ operation: 'upsert', storeId: 'docs', recordCount: 3 }, facts, original, this, args);
 */
export function runStoreMemoryOperation<R>(
  request: MemoryOperationRequest,
  store: StoreCallFacts,
  fn: UntypedFunction<R>,
  thisArg: unknown,
  args: unknown[],
): R {
  return runOperation('withMemoryOperation', describeMemory, request, fn, thisArg, args, store);
}

const KINDS: Record<NonNullable<SpanOptions['kind']>, SpanKind> = {
  internal: SpanKind.INTERNAL,
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

function describeSpan(name: unknown, options: SpanOptions | undefined): OperationSpec {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(isObject(options?.attributes) ? options.attributes : {}))
    putAttribute(attributes, key, value, 'withSpan');
  return {
    spanName: typeof name === 'string' && name !== '' ? truncate(name, MAX_PLAIN_STRING_LENGTH) : 'span',
    kind: (options?.kind !== undefined ? KINDS[options.kind] : undefined) ?? SpanKind.INTERNAL,
    attributes,
  };
}

/**
 * Runs `fn` in a span of your own (INTERNAL unless `kind` says otherwise) with the same guarantees as the GenAI helpers.
 *
 * @example
 * const plan = await withSpan('plan', (span) => planner.plan(goal), { attributes: { 'app.goal.kind': goal.kind } });
 */
export function withSpan<R>(name: string, fn: (span: Span) => R, options?: SpanOptions): R {
  return runOperation('withSpan', () => describeSpan(name, options), {}, fn as UntypedFunction<R>, undefined, []);
}

/** Wraps a function once in `withSpan`. @example const plan = traceSpan(rawPlan, 'plan'); */
export function traceSpan<A extends unknown[], R>(
  fn: (...args: A) => R,
  name: string,
  options?: SpanOptions,
): (...args: A) => R {
  return function traced(this: unknown, ...args: A): R {
    return runOperation(
      'withSpan',
      () => describeSpan(name, options),
      {},
      fn as UntypedFunction<R>,
      this,
      args.length === 0 ? [undefined] : args,
    );
  };
}
