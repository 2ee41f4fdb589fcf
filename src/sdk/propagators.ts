import type { TextMapPropagator } from '@opentelemetry/api';
import type { PropagatorName } from '../config/config-types.ts';
import { otelCore, propagatorB3 } from '../core/loaders.ts';

/** One composite propagator for OTEL_PROPAGATORS, or undefined when none is wanted. */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator | undefined {
  const wanted = names.filter((name) => name !== 'none');
  if (wanted.length === 0 || names.includes('none')) return undefined;
  const { CompositePropagator, W3CTraceContextPropagator, W3CBaggagePropagator } = otelCore();
  const propagators = wanted.map((name): TextMapPropagator => {
    switch (name) {
      case 'tracecontext':
        return new W3CTraceContextPropagator();
      case 'baggage':
        return new W3CBaggagePropagator();
      case 'b3':
      case 'b3multi': {
        const { B3Propagator, B3InjectEncoding } = propagatorB3();
        return new B3Propagator({
          injectEncoding: name === 'b3' ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER,
        });
      }
      default:
        throw new Error(`unreachable propagator ${String(name)}`);
    }
  });
  return propagators.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}
