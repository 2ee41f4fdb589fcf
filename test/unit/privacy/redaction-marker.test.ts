// The resource attribute genai_otel.redaction.ruleset: stated by the redacting exporters only when they applied the
// whole built-in rule set, and never let through as someone else set it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { privacyFrom } from '../../support/redacting-sdk.ts';
import { createRedactor } from '../../../src/privacy/redactor.ts';
import { RedactingSpanExporter } from '../../../src/privacy/span-exporter.ts';
import { RedactingLogRecordExporter } from '../../../src/privacy/log-exporter.ts';
import { builtInRulesetName } from '../../../src/privacy/redaction-marker.ts';
import { BUILT_IN_RULES } from '../../../src/privacy/rules/index.ts';
import { resolveConfig } from '../../../src/config/resolve.ts';
import { buildResource } from '../../../src/sdk/resource.ts';
import { ATTR_GENAI_OTEL_REDACTION_RULESET } from '../../../src/attributes/names.ts';

/** The resource of a span exported through a redacting exporter with the settings of `env`. */
async function exportedResource(env: Record<string, string>, resourceAttributes: Record<string, string> = {}) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'marker-test', ...resourceAttributes }),
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(memory, createRedactor(privacyFrom(env))) }),
    ],
  });
  provider.getTracer('t').startSpan('work').end();
  await provider.forceFlush();
  const [span] = memory.getFinishedSpans();
  await provider.shutdown();
  assert.ok(span);
  return span.resource.attributes;
}

test('the rule set name is builtin- and 16 hex digits of a hash of every built-in rule, and follows any change', () => {
  const name = builtInRulesetName();
  assert.match(name, /^builtin-[0-9a-f]{16}$/);
  assert.equal(builtInRulesetName(), name);
  // The same redactor without one rule states none (the name covers the whole set).
  assert.equal(createRedactor(privacyFrom()).ruleset, name);
  assert.equal(createRedactor(privacyFrom({ GENAI_OTEL_REDACT_DISABLE: BUILT_IN_RULES[0]!.name })).ruleset, undefined);
});

test('a span exported with the default rules states them on its resource', async () => {
  const attributes = await exportedResource({});
  assert.equal(attributes[ATTR_GENAI_OTEL_REDACTION_RULESET], builtInRulesetName());
  assert.equal(attributes['service.name'], 'marker-test');
  // The user's own patterns only add to the set.
  const more = await exportedResource({ GENAI_OTEL_REDACT_PATTERNS: 'ticket=TCK-[0-9]{6}' });
  assert.equal(more[ATTR_GENAI_OTEL_REDACTION_RULESET], builtInRulesetName());
});

test('a claim already on the resource is replaced by what was applied, or removed when not the whole set was', async () => {
  const forged = { [ATTR_GENAI_OTEL_REDACTION_RULESET]: 'builtin-0000000000000000' };
  assert.equal((await exportedResource({}, forged))[ATTR_GENAI_OTEL_REDACTION_RULESET], builtInRulesetName());
  const claimed = { [ATTR_GENAI_OTEL_REDACTION_RULESET]: builtInRulesetName() };
  const settings: Record<string, string>[] = [{ GENAI_OTEL_REDACT: 'off' }, { GENAI_OTEL_REDACT_DISABLE: 'ip' }];
  for (const env of settings) {
    const attributes = await exportedResource(env, claimed);
    assert.equal(attributes[ATTR_GENAI_OTEL_REDACTION_RULESET], undefined, JSON.stringify(env));
    assert.ok(!(ATTR_GENAI_OTEL_REDACTION_RULESET in attributes), JSON.stringify(env));
  }
});

test('log records exported through the redacting log exporter state the rule set too', async () => {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'marker-test' }),
    processors: [
      new SimpleLogRecordProcessor({ exporter: new RedactingLogRecordExporter(memory, createRedactor(privacyFrom())) }),
    ],
  });
  provider.getLogger('t').emit({ body: 'hello' });
  await provider.forceFlush();
  const [record] = memory.getFinishedLogRecords();
  await provider.shutdown();
  assert.equal(record?.resource.attributes[ATTR_GENAI_OTEL_REDACTION_RULESET], builtInRulesetName());
});

test('OTEL_RESOURCE_ATTRIBUTES cannot put the claim on the SDK resource (other exporters would send it)', () => {
  const { config } = resolveConfig({
    OTEL_RESOURCE_ATTRIBUTES: `${ATTR_GENAI_OTEL_REDACTION_RULESET}=${builtInRulesetName()},team=search`,
    OTEL_SERVICE_NAME: 'svc',
  });
  const { resource } = buildResource(config);
  assert.equal(resource.attributes[ATTR_GENAI_OTEL_REDACTION_RULESET], undefined);
  assert.equal(resource.attributes.team, 'search');
});
