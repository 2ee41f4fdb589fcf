import type * as InstrumentationModule from '@opentelemetry/instrumentation';
import { errorOnce } from '../core/diagnostics.ts';
import { instrumentationBase } from '../core/loaders.ts';
import { isObject } from '../attributes/safe-values.ts';
import { runStoreRetrieval, withWorkflow } from '../genai/operations.ts';
import { VERSION } from '../version.ts';
import { countOf, textOf } from './store-call.ts';

/** `llamaindex` versions traced: 0.9 to 0.12, whose retrievers and query engines are the classes of `@llamaindex/core`. */
export const LLAMAINDEX_SUPPORTED_VERSIONS = ['>=0.9.0 <1'];
export const LLAMAINDEX_INSTRUMENTATION_NAME = 'genai-otel/instrumentation-llamaindex';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** The name of an object's class (`VectorIndexRetriever`, `RetrieverQueryEngine`), or `fallback`. */
function classNameOf(value: unknown, fallback: string): string {
  const name = isObject(value) ? (value.constructor as { name?: unknown } | undefined)?.name : undefined;
  return textOf(name) ?? fallback;
}

/** The text of a query as LlamaIndex takes it: a string, `{ query }`, or message content parts. */
function queryTextOf(params: unknown): string | undefined {
  const query = isObject(params) ? params.query : params;
  if (typeof query === 'string') return textOf(query);
  if (Array.isArray(query))
    return textOf(
      query.map((part: unknown) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join(''),
    );
  return undefined;
}

/** A retriever's top-k: `similarityTopK`, or the text entry of `topK` (per modality since 0.9). */
function topKOf(retriever: unknown): number | undefined {
  if (!isObject(retriever)) return undefined;
  const { similarityTopK, topK } = retriever;
  return countOf(similarityTopK) ?? countOf(topK) ?? (isObject(topK) ? countOf(topK.TEXT) : undefined);
}

/** A retrieved `NodeWithScore` as the conventions' document: id, score, text and metadata. */
function documentOf(found: unknown): Record<string, unknown> {
  if (!isObject(found)) return {};
  const node = isObject(found.node) ? found.node : {};
  const document: Record<string, unknown> = { id: node.id_ };
  if (typeof found.score === 'number' && Number.isFinite(found.score)) document.score = found.score;
  if (typeof node.text === 'string') document.content = node.text;
  if (isObject(node.metadata) && Object.keys(node.metadata).length > 0) document.metadata = node.metadata;
  return document;
}

/** `retriever.retrieve(query)`: a retrieval span named after the retriever's class, its top-k and the nodes found. */
function tracedRetrieve(original: AnyFunction, enabled: () => boolean): AnyFunction {
  return function retrieveTraced(this: unknown, ...args: unknown[]): unknown {
    if (!enabled()) return original.apply(this, args);
    let request;
    try {
      request = {
        dataSourceId: classNameOf(this, 'retriever'),
        topK: topKOf(this),
        query: queryTextOf(args[0]),
      };
    } catch (error) {
      errorOnce('llamaindex:retrieve', 'could not read a LlamaIndex retrieve() call; it runs untraced', error);
      return original.apply(this, args);
    }
    const facts = {
      attributes: {},
      resultRecords: (value: unknown) => (Array.isArray(value) ? value.map(documentOf) : undefined),
    };
    return runStoreRetrieval(request, facts, original, this, args);
  };
}

/** `queryEngine.query({ query })`: an `invoke_workflow {engine class}` span over its retrieval and model calls. */
function tracedQuery(original: AnyFunction, enabled: () => boolean): AnyFunction {
  return function queryTraced(this: unknown, ...args: unknown[]): unknown {
    if (!enabled()) return original.apply(this, args);
    return withWorkflow({ name: classNameOf(this, 'query_engine') }, () => original.apply(this, args));
  };
}

interface LlamaIndexExports {
  BaseRetriever?: { prototype?: unknown };
  BaseQueryEngine?: { prototype?: unknown };
}

/**
 * The instrumentation of LlamaIndex.TS (`llamaindex`): every retriever's `retrieve()` is a retrieval span and every
 * query engine's `query()` an `invoke_workflow` span, so that a `VectorStoreIndex` query engine's embedding and chat
 * calls (the LLM clients' spans) and its vector store's spans nest under them. The classes are those `llamaindex`
 * exports (from `@llamaindex/core`), patched when `llamaindex` loads.
 */
export function createLlamaIndexInstrumentation(): InstrumentationModule.Instrumentation {
  const { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } = instrumentationBase();
  const targets = (moduleExports: unknown): [Record<string, unknown>, string, typeof tracedQuery][] => {
    const exported = (isObject(moduleExports) ? moduleExports : {}) as LlamaIndexExports;
    const found: [Record<string, unknown>, string, typeof tracedQuery][] = [];
    const retriever = exported.BaseRetriever?.prototype;
    const engine = exported.BaseQueryEngine?.prototype;
    if (isObject(retriever) && typeof retriever.retrieve === 'function')
      found.push([retriever, 'retrieve', tracedRetrieve]);
    if (isObject(engine) && typeof engine.query === 'function') found.push([engine, 'query', tracedQuery]);
    return found;
  };

  class LlamaIndexInstrumentation extends InstrumentationBase {
    constructor() {
      super(LLAMAINDEX_INSTRUMENTATION_NAME, VERSION, {});
    }

    protected init() {
      return [
        new InstrumentationNodeModuleDefinition(
          'llamaindex',
          LLAMAINDEX_SUPPORTED_VERSIONS,
          (moduleExports) => {
            const found = targets(moduleExports);
            if (found.length === 0) {
              errorOnce(
                'llamaindex:shape',
                'this version of llamaindex exports no BaseRetriever or BaseQueryEngine; its calls are not traced',
              );
              return moduleExports;
            }
            const enabled = () => this.isEnabled();
            for (const [prototype, method, trace] of found)
              if (!isWrapped(prototype[method]))
                this._wrap(prototype, method, (original) => trace(original as AnyFunction, enabled));
            return moduleExports;
          },
          (moduleExports) => {
            for (const [prototype, method] of targets(moduleExports)) this._unwrap(prototype, method);
          },
        ),
      ];
    }
  }
  return new LlamaIndexInstrumentation();
}
