// The two local servers most preload tests talk to, started once per test file: the mock OTLP receiver the app's
// telemetry goes to, and the fake provider that speaks the LLM wire formats.
import { after, before } from 'node:test';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedMetric } from '@genai-otel/mock-otlp-receiver';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';

/** The receiver and the provider of a test file; reading either before the file's `before` hook ran throws. */
export interface FakeServices {
  readonly receiver: OtlpReceiver;
  readonly provider: FakeProvider;
}

/**
 * Registers `before`/`after` hooks that start and close both servers for the calling test file.
 *
 * @example
 * const services = useFakeServices();
 * test('…', async () => runFixture({ env: { OPENAI_BASE_URL: services.provider.openaiBaseURL } }));
 */
export function useFakeServices(): FakeServices {
  let receiver: OtlpReceiver | undefined;
  let provider: FakeProvider | undefined;
  before(async () => {
    receiver = await startOtlpReceiver();
    provider = await startFakeProvider();
  });
  after(async () => {
    await provider?.close();
    await receiver?.close();
  });
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`the fake ${name} is read before the test file's before hook started it`);
    return value;
  };
  return {
    get receiver() {
      return started(receiver, 'OTLP receiver');
    },
    get provider() {
      return started(provider, 'provider');
    },
  };
}

/**
 * The metrics `receiver` holds once `mine` of them carry at least `calls` points of gen_ai.client.inference.duration
 * (or all it holds after 8 s, for the assertions to say what is missing), `mine` applied.
 *
 * @example
 * metrics = await inferenceMetrics(services.receiver, mine, 2);
 */
export async function inferenceMetrics(
  receiver: OtlpReceiver,
  mine: (received: ReceivedMetric[]) => ReceivedMetric[],
  calls: number,
): Promise<ReceivedMetric[]> {
  const counted = (received: ReceivedMetric[]) =>
    mine(received).some(
      (metric) =>
        metric.name === 'gen_ai.client.inference.duration' &&
        metric.dataPoints.reduce((sum, point) => sum + (point.count ?? 0), 0) >= calls,
    );
  return mine(await receiver.waitFor('metrics', counted, 8000).catch(() => receiver.metrics()));
}
