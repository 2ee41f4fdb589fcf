import {
  propagation,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { errorOnce } from '../core/diagnostics.ts';
import { otelCore } from '../core/loaders.ts';
import { ID_FIELDS, scopeOf } from './scope.ts';

/**
 * Sends the ids of the active `withContext` scope (`session.id`, `user.id`, `gen_ai.conversation.id`, ...) to
 * downstream services in the W3C `baggage` header, next to any baggage already in the context, and reads that header
 * from incoming requests (the ids are then taken from baggage where no scope sets them). Reading the scope at inject
 * time, rather than copying the ids into baggage in `withContext`, lets `setContext` reach outgoing requests too.
 *
 * @example
 * propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new ContextBaggagePropagator()] }));
 */
export class ContextBaggagePropagator implements TextMapPropagator {
  private readonly baggage: TextMapPropagator = new (otelCore().W3CBaggagePropagator)();

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    try {
      const scope = scopeOf(ctx);
      let outgoing = ctx;
      if (scope !== undefined) {
        let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
        for (const { field, attribute } of ID_FIELDS) {
          const value = scope.values[field];
          if (value !== undefined) baggage = baggage.setEntry(attribute, { value });
        }
        outgoing = propagation.setBaggage(ctx, baggage);
      }
      this.baggage.inject(outgoing, carrier, setter);
    } catch (error) {
      errorOnce('baggage:inject', 'could not add the context ids to the outgoing baggage header', error);
    }
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.baggage.extract(ctx, carrier, getter);
  }

  fields(): string[] {
    return this.baggage.fields();
  }
}
