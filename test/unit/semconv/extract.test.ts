// scripts/semconv/extract.mjs on a small model of its own: attribute types and enums, ref_groups resolved with their
// requirement levels, span kinds, metric instruments and units, refinements, schemas without prose, and the
// differences an upgrade prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ES module script without declarations
import { extract, differences } from '../../../scripts/semconv/extract.mjs';

type Extract = (
  checkout: string,
  commit: string,
  options?: { core?: string; coreVersion?: string; fileCommits?: Record<string, string> },
) => Record<string, unknown>;
type Differences = (before: unknown, after: unknown) => string[];
const run = extract as Extract;
const diff = differences as Differences;

function modelFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'semconv-model-'));
  mkdirSync(join(root, 'model', 'gen-ai'), { recursive: true });
  writeFileSync(
    join(root, 'model', 'gen-ai', 'registry.yaml'),
    `file_format: definition/2
attributes:
  - key: demo.operation.name
    type:
      members:
        - id: chat
          value: "chat"
          brief: prose that must not be kept
    brief: prose
  - key: demo.count
    type: int
    brief: prose
    examples: [3]
`,
  );
  writeFileSync(
    join(root, 'model', 'gen-ai', 'spans.yaml'),
    `file_format: definition/2
attribute_groups:
  - id: attributes.demo.common
    visibility: internal
    attributes:
      - ref: demo.operation.name
        requirement_level: required
      - ref: demo.count
        requirement_level:
          conditionally_required: when counted
spans:
  - type: demo.client
    kind: client
    attributes:
      - ref_group: attributes.demo.common
      - ref: demo.count
        requirement_level: opt_in
span_refinements:
  - id: acme.demo.client
    ref: demo.client
    attributes:
      - ref: demo.count
        requirement_level: recommended
metrics:
  - name: demo.duration
    instrument: histogram
    unit: "s"
    attributes:
      - ref_group: attributes.demo.common
`,
  );
  writeFileSync(
    join(root, 'model', 'gen-ai', 'gen-ai-tool-definitions.json'),
    JSON.stringify({
      title: 'ToolDefinitions',
      description: 'prose',
      type: 'array',
      items: {
        properties: { name: { type: 'string', title: 'Name' }, description: { type: 'string' } },
        required: ['name'],
      },
    }),
  );
  return root;
}

test('extract: names, types, enums, levels (later references win), kinds, instruments, schemas without prose', () => {
  const root = modelFolder();
  try {
    const facts = run(root, 'abc123');
    assert.deepEqual(facts.source, { repository: 'open-telemetry/semantic-conventions-genai', commit: 'abc123' });
    assert.deepEqual(facts.attributes, {
      'demo.count': { type: 'int' },
      'demo.operation.name': { type: 'enum', members: ['chat'] },
    });
    assert.deepEqual(facts.spans, {
      'demo.client': {
        kind: 'client',
        attributes: { 'demo.count': 'opt_in', 'demo.operation.name': 'required' },
        refinements: { 'acme.demo.client': { 'demo.count': 'recommended' } },
      },
    });
    assert.deepEqual(facts.metrics, {
      'demo.duration': {
        instrument: 'histogram',
        unit: 's',
        attributes: { 'demo.count': 'conditionally_required', 'demo.operation.name': 'required' },
      },
    });
    // A property named "description" is a rule and stays; the schema's own description and titles are prose.
    assert.deepEqual(facts.schemas, {
      'gen_ai.tool.definitions': {
        items: { properties: { description: { type: 'string' }, name: { type: 'string' } }, required: ['name'] },
        type: 'array',
      },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("extract on the shapes of the real model: an event taking a span's attributes, core attributes, unresolved references", () => {
  const root = modelFolder();
  const core = mkdtempSync(join(tmpdir(), 'semconv-core-'));
  try {
    writeFileSync(
      join(root, 'model', 'gen-ai', 'events.yaml'),
      `file_format: definition/2
events:
  - name: demo.details
    attributes:
      - ref_group: span.demo.client
      - ref: error.type
        requirement_level:
          conditionally_required: on failure
      - ref: demo.undefined
`,
    );
    // The core registry in its older form (groups), with a copy of the model's folder that the manifest strips.
    mkdirSync(join(core, 'model', 'error'), { recursive: true });
    mkdirSync(join(core, 'model', 'gen-ai'), { recursive: true });
    writeFileSync(
      join(core, 'model', 'error', 'registry.yaml'),
      `groups:
  - id: registry.error
    type: attribute_group
    attributes:
      - id: error.type
        type:
          members:
            - id: other
              value: "_OTHER"
`,
    );
    writeFileSync(
      join(core, 'model', 'gen-ai', 'registry.yaml'),
      `groups:
  - id: registry.gen_ai
    attributes:
      - id: demo.undefined
        type: string
`,
    );
    const facts = run(root, 'abc123', {
      core,
      coreVersion: 'v1.43.0',
      fileCommits: { 'model/gen-ai/events.yaml': 'def456' },
    }) as {
      source: Record<string, unknown>;
      attributes: Record<string, unknown>;
      events: Record<string, { attributes: Record<string, string> }>;
    };
    assert.deepEqual(facts.events['demo.details']?.attributes, {
      'demo.count': 'opt_in',
      'demo.operation.name': 'required',
      'demo.undefined': 'recommended',
      'error.type': 'conditionally_required',
    });
    assert.deepEqual(facts.attributes['error.type'], { type: 'enum', members: ['_OTHER'], core: true });
    assert.equal(facts.attributes['demo.undefined'], undefined, 'core copies of the model itself are not read');
    assert.deepEqual(facts.source, {
      repository: 'open-telemetry/semantic-conventions-genai',
      commit: 'abc123',
      files: { 'model/gen-ai/events.yaml': 'def456' },
      core: { repository: 'open-telemetry/semantic-conventions', version: 'v1.43.0' },
      unresolved: ['attribute demo.undefined'],
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(core, { recursive: true, force: true });
  }
});

test('differences: one line per added, removed or changed fact', () => {
  assert.deepEqual(
    diff({ metrics: { a: { unit: 's' }, gone: {} } }, { metrics: { a: { unit: 'ms' }, added: { unit: '{token}' } } }),
    ['~ metrics > a > unit "s" -> "ms"', '+ metrics > added {"unit":"{token}"}', '- metrics > gone'],
  );
  assert.deepEqual(diff({ same: [1, 2] }, { same: [1, 2] }), []);
});

test('the command says how to use it when given no checkout', () => {
  const script = fileURLToPath(new URL('../../../scripts/semconv/extract.mjs', import.meta.url));
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /usage: node scripts\/semconv\/extract\.mjs <checkout/);
});
