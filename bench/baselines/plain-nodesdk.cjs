// The baseline of the fault comparison: plain NodeSDK as its README sets it up (exporters from OTEL_* variables,
// http/protobuf), plus the flush at exit a careful user adds.
const { NodeSDK } = require('@opentelemetry/sdk-node');

const sdk = new NodeSDK({ instrumentations: [] });
sdk.start();
process.once('beforeExit', () => {
  sdk.shutdown().catch(() => undefined);
});
