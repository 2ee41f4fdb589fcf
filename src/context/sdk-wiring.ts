import type { TextMapPropagator } from '@opentelemetry/api';
import { otelCore } from '../core/loaders.ts';
import { ContextBaggagePropagator } from './baggage-propagator.ts';

/**
 * The propagator `start()` registers: the one OTEL_PROPAGATORS asks for, followed, when GENAI_OTEL_PROPAGATE_BAGGAGE is
 * on, by the one that carries the context ids as baggage (last, so that its `baggage` header, which keeps the
 * entries already there, is the one sent).
 *
 * @example
 * propagation.setGlobalPropagator(withContextBaggage(createPropagator(['tracecontext', 'baggage']), true)!);
 */
export function withContextBaggage(
  propagator: TextMapPropagator | undefined,
  propagateBaggage: boolean,
): TextMapPropagator | undefined {
  if (!propagateBaggage) return propagator;
  if (propagator === undefined) return new ContextBaggagePropagator();
  const { CompositePropagator } = otelCore();
  return new CompositePropagator({ propagators: [propagator, new ContextBaggagePropagator()] });
}
