import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Redactor } from './redactor.ts';

/**
 * Resource attributes can carry secrets too (`process.command_args` of `node app.js --api-key sk-…`, values in
 * OTEL_RESOURCE_ATTRIBUTES). A provider has one resource for all its spans and exporters group spans by resource
 * identity, so each resource is redacted once and the same copy is handed out for every span.
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
      copy =
        attributes === resource.attributes
          ? resource
          : resourceFromAttributes(attributes, { schemaUrl: resource.schemaUrl });
      this.copies.set(resource, copy);
    }
    return copy;
  }
}
