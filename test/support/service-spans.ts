import type { OtlpReceiver, ReceivedSpan } from '@genai-otel/mock-otlp-receiver';

/**
 * The spans of one service, once the receiver holds its OpenAI model-call span (the last span a served request ends
 * with in the server tests), so that the trace read is whole.
 *
 * @example
 * const spans = await spansOnceModelCalled(receiver, 'nest12-express-esm');
 */
export async function spansOnceModelCalled(
  receiver: OtlpReceiver,
  serviceName: string,
  timeoutMillis = 10_000,
): Promise<ReceivedSpan[]> {
  const ofService = (span: ReceivedSpan) => span.resource['service.name'] === serviceName;
  const all = await receiver.waitFor(
    'spans',
    (spans) => spans.some((span) => ofService(span) && span.attributes['gen_ai.provider.name'] === 'openai'),
    timeoutMillis,
  );
  return all.filter(ofService);
}
