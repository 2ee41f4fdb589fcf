import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Attributes } from '@opentelemetry/api';
import { ATTR_GENAI_OTEL_REDACTION_RULESET } from '../attributes/names.ts';
import type { Redactor } from './redactor.ts';

/**
 * Resource attributes can carry secrets too (`process.command_args` of `node app.js --api-key sk-…`, values in
 * OTEL_RESOURCE_ATTRIBUTES). A provider has one resource for all its spans and exporters group spans by resource
 * identity, so each resource is redacted once and the same copy is handed out for every span.
 *
 * The copy also states the rule set applied (`genai_otel.redaction.ruleset`), and only when the whole built-in set was:
 * a value of that name already on the resource (OTEL_RESOURCE_ATTRIBUTES, another provider's resource) is replaced or
 * removed, so that nothing this exporter sends claims more redaction than it got.
 */
export class ResourceRedactor {
  private readonly redactor: Redactor;
  private readonly onFailure: (error: unknown) => void;
  private readonly copies = new WeakMap<Resource, Resource>();

  constructor(redactor: Redactor, onFailure: (error: unknown) => void) {
    this.redactor = redactor;
    this.onFailure = onFailure;
  }

  redact(resource: Resource): Resource {
    let copy = this.copies.get(resource);
    if (copy === undefined) {
      const { attributes } = this.redactor.redactAttributes(resource.attributes, this.onFailure);
      const marked = withRuleset(attributes, this.redactor.ruleset);
      copy =
        marked === resource.attributes ? resource : resourceFromAttributes(marked, { schemaUrl: resource.schemaUrl });
      this.copies.set(resource, copy);
    }
    return copy;
  }
}

/** `attributes` stating `ruleset` (or, when undefined, no rule set), copied only when that changes them. */
function withRuleset(attributes: Attributes, ruleset: string | undefined): Attributes {
  if (attributes[ATTR_GENAI_OTEL_REDACTION_RULESET] === ruleset) return attributes;
  const copy = { ...attributes };
  if (ruleset === undefined) delete copy[ATTR_GENAI_OTEL_REDACTION_RULESET];
  else copy[ATTR_GENAI_OTEL_REDACTION_RULESET] = ruleset;
  return copy;
}
