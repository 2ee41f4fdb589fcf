#!/usr/bin/env node
// Reads the model of open-telemetry/semantic-conventions-genai (a checkout of the pinned commit) and writes the
// facts genai-otel's conformance test checks against: attribute names, types and enum members; per span, event and
// metric the attributes with their requirement levels; span kinds; metric instruments and units; and the JSON schemas
// of the content attributes without their prose. Names and rules only: no brief, note or example is kept.
//
//   node scripts/semconv/extract.mjs <checkout> [--commit <sha>] [--core <checkout> --core-version <tag>]
//                                    [--file-commit <path>=<sha> ...] [--write]
//
// Without --write it prints the differences from the committed facts (test/unit/semconv/facts.json) and exits 1 when
// there are any: an upgrade is `git -C <checkout> checkout <new sha>`, this command, then --write.
// The GenAI model references attributes it does not define (error.type, server.*, exception.*, jsonrpc.*, ...): they
// come from the core registry (open-telemetry/semantic-conventions at the tag the model's versions.env names), read
// from --core. A reference found in neither is listed as `unresolved` and printed.
// --file-commit records a file taken from another commit than --commit (a checkout assembled from several).
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const FACTS = fileURLToPath(new URL('../../test/unit/semconv/facts.json', import.meta.url));
/** The content attributes whose values follow a JSON schema of the model, by schema file. */
const SCHEMA_FILES = {
  'gen_ai.input.messages': 'gen-ai-input-messages.json',
  'gen_ai.output.messages': 'gen-ai-output-messages.json',
  'gen_ai.system_instructions': 'gen-ai-system-instructions.json',
  'gen_ai.tool.definitions': 'gen-ai-tool-definitions.json',
};
const PROSE = new Set(['description', 'title', 'examples', 'default']);

function filesUnder(folder, suffix) {
  const found = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, suffix));
    else if (name.endsWith(suffix)) found.push(path);
  }
  return found;
}

/** `required`, `recommended`, `opt_in` or `conditionally_required`, whatever condition the model attaches. */
function levelOf(requirement) {
  if (requirement === undefined) return 'recommended';
  if (typeof requirement === 'string') return requirement;
  return Object.keys(requirement)[0] ?? 'recommended';
}

/** An attribute's type: a scalar or array name, or `enum` with its members (open enums also take other values). */
function typeOf(type) {
  if (typeof type === 'string') return { type };
  const members = (type?.members ?? []).map((member) => String(member.value)).sort();
  return { type: 'enum', members };
}

/** The JSON schema without its prose, keys sorted so that upgrades diff cleanly. */
function rulesOf(schema) {
  if (Array.isArray(schema)) return schema.map(rulesOf);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const key of Object.keys(schema).sort()) {
    if (PROSE.has(key) && typeof schema[key] !== 'object') continue;
    if (key === 'examples' || key === 'default') continue;
    out[key] = rulesOf(schema[key]);
  }
  return out;
}

/** The attribute definitions of a model folder: `attributes` (definition/2) and `groups[].attributes` (the older form). */
function definitionsIn(documents) {
  const definitions = {};
  const define = (key, attribute) => {
    definitions[key] = { ...typeOf(attribute.type), ...(attribute.deprecated ? { deprecated: true } : {}) };
  };
  for (const { yaml } of documents) {
    for (const attribute of yaml.attributes ?? [])
      if (typeof attribute.key === 'string') define(attribute.key, attribute);
    for (const group of yaml.groups ?? [])
      for (const attribute of group.attributes ?? [])
        if (typeof attribute.id === 'string') define(attribute.id, attribute);
  }
  return definitions;
}

function yamlDocuments(folder, skip = new Set()) {
  return filesUnder(folder, '.yaml')
    .filter((path) => !skip.has(relative(folder, path).split(/[\\/]/)[0]))
    .map((path) => ({ path, yaml: parse(readFileSync(path, 'utf8')) ?? {} }));
}

/**
 * @param checkout a checkout of semantic-conventions-genai (its `model/` folder is read)
 * @param commit the commit it is at
 * @param options `core`: a checkout of the core semantic-conventions for the attributes the model references but does
 *   not define, with `coreVersion` its tag; `fileCommits`: files of the checkout taken from other commits
 */
export function extract(checkout, commit, options = {}) {
  const model = join(checkout, 'model');
  const documents = yamlDocuments(model);
  const attributes = definitionsIn(documents);
  const groups = new Map();
  for (const { yaml } of documents) {
    for (const group of yaml.attribute_groups ?? []) groups.set(group.id, group.attributes ?? []);
    // A signal's attributes are a group too: events reference a span's with `ref_group: span.<type>`.
    for (const span of yaml.spans ?? []) groups.set(`span.${span.type}`, span.attributes ?? []);
    for (const event of yaml.events ?? []) groups.set(`event.${event.name}`, event.attributes ?? []);
  }
  const unresolved = new Set();

  /** The attribute references of a signal, ref_groups expanded, later references overriding earlier ones. */
  const resolve = (references, seen = new Set()) => {
    const levels = {};
    for (const reference of references ?? []) {
      if (reference.ref_group !== undefined) {
        if (seen.has(reference.ref_group)) continue;
        if (!groups.has(reference.ref_group)) unresolved.add(`group ${reference.ref_group}`);
        Object.assign(levels, resolve(groups.get(reference.ref_group) ?? [], new Set([...seen, reference.ref_group])));
      } else if (typeof reference.ref === 'string') {
        if (reference.requirement_level !== undefined || levels[reference.ref] === undefined)
          levels[reference.ref] = levelOf(reference.requirement_level);
      }
    }
    return Object.fromEntries(Object.entries(levels).sort(([a], [b]) => a.localeCompare(b)));
  };

  const spans = {};
  const events = {};
  const metrics = {};
  for (const { yaml } of documents) {
    for (const span of yaml.spans ?? []) spans[span.type] = { kind: span.kind, attributes: resolve(span.attributes) };
    for (const event of yaml.events ?? []) events[event.name] = { attributes: resolve(event.attributes) };
    for (const metric of yaml.metrics ?? [])
      metrics[metric.name] = {
        instrument: metric.instrument,
        unit: metric.unit,
        attributes: resolve(metric.attributes),
      };
  }
  // Refinements (OpenAI's, ...) add attributes to a signal for one provider.
  for (const { yaml } of documents) {
    for (const refinement of yaml.span_refinements ?? []) {
      const refined = spans[refinement.ref];
      if (refined !== undefined)
        refined.refinements = { ...refined.refinements, [refinement.id]: resolve(refinement.attributes) };
    }
    for (const refinement of yaml.metric_refinements ?? []) {
      const refined = metrics[refinement.ref];
      if (refined !== undefined)
        refined.refinements = { ...refined.refinements, [refinement.id]: resolve(refinement.attributes) };
    }
  }

  const schemas = {};
  for (const [attribute, file] of Object.entries(SCHEMA_FILES)) {
    const path = filesUnder(model, '.json').find((candidate) => basename(candidate) === file);
    if (path !== undefined) schemas[attribute] = rulesOf(JSON.parse(readFileSync(path, 'utf8')));
  }
  // Attributes the signals reference but the model does not define: the core registry's (the model depends on it).
  const referenced = new Set(
    [spans, events, metrics].flatMap((signals) =>
      Object.values(signals).flatMap((signal) => [
        ...Object.keys(signal.attributes),
        ...Object.values(signal.refinements ?? {}).flatMap((levels) => Object.keys(levels)),
      ]),
    ),
  );
  const missing = [...referenced].filter((key) => attributes[key] === undefined);
  if (missing.length > 0 && options.core !== undefined) {
    // The model's own folders are stripped from core, as the model's manifest does: the model is their home now.
    const core = definitionsIn(yamlDocuments(join(options.core, 'model'), new Set(['gen-ai', 'mcp', 'openai'])));
    for (const key of missing) if (core[key] !== undefined) attributes[key] = { ...core[key], core: true };
  }
  for (const key of missing) if (attributes[key] === undefined) unresolved.add(`attribute ${key}`);

  const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
  const source = { repository: 'open-telemetry/semantic-conventions-genai', commit };
  if (options.fileCommits !== undefined && Object.keys(options.fileCommits).length > 0)
    source.files = sorted(options.fileCommits);
  if (options.coreVersion !== undefined)
    source.core = { repository: 'open-telemetry/semantic-conventions', version: options.coreVersion };
  if (unresolved.size > 0) source.unresolved = [...unresolved].sort();
  return {
    source,
    attributes: sorted(attributes),
    spans: sorted(spans),
    events: sorted(events),
    metrics: sorted(metrics),
    schemas,
  };
}

/** One line per difference between two fact trees: `+ path value`, `- path value`, `~ path old -> new`. */
export function differences(before, after, path = '') {
  const lines = [];
  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const at = path === '' ? key : `${path} > ${key}`;
      if (!(key in after)) lines.push(`- ${at}`);
      else if (!(key in before)) lines.push(`+ ${at} ${JSON.stringify(after[key])}`);
      else lines.push(...differences(before[key], after[key], at));
    }
  } else if (JSON.stringify(before) !== JSON.stringify(after)) {
    lines.push(`~ ${path} ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  }
  return lines;
}

function main(argv) {
  const valued = new Set(['--commit', '--core', '--core-version', '--file-commit']);
  const checkout = argv.find((argument, index) => !argument.startsWith('--') && !valued.has(argv[index - 1]));
  if (checkout === undefined || !existsSync(join(checkout, 'model'))) {
    console.error(
      'usage: node scripts/semconv/extract.mjs <checkout of semantic-conventions-genai> [--commit <sha>] ' +
        '[--core <checkout of semantic-conventions> --core-version <tag>] [--file-commit <path>=<sha> ...] [--write]',
    );
    return 2;
  }
  const option = (name) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const fileCommits = {};
  argv.forEach((argument, index) => {
    if (argument !== '--file-commit') return;
    const [path, sha] = String(argv[index + 1]).split('=');
    if (path && sha) fileCommits[path] = sha;
  });
  const committed = existsSync(FACTS) ? JSON.parse(readFileSync(FACTS, 'utf8')) : {};
  const facts = extract(checkout, option('--commit') ?? 'unknown', {
    core: option('--core'),
    coreVersion: option('--core-version'),
    fileCommits,
  });
  for (const reference of facts.source.unresolved ?? []) console.error(`unresolved: ${reference}`);
  // Kept from the committed facts, not from the model: the previous model's metric names (OTEL_SEMCONV_STABILITY_OPT_IN)
  // and genai-otel's documented additions, each with its reason.
  if (committed.previousMetrics !== undefined) facts.previousMetrics = committed.previousMetrics;
  if (committed.additions !== undefined) facts.additions = committed.additions;
  const changes = differences(committed, facts);
  for (const line of changes) console.log(line);
  if (argv.includes('--write')) {
    writeFileSync(FACTS, `${JSON.stringify(facts, null, 2)}\n`);
    console.log(`wrote ${relative(process.cwd(), FACTS)} (${changes.length} differences)`);
    return 0;
  }
  console.log(changes.length === 0 ? 'no differences' : `${changes.length} differences; --write to take them`);
  return changes.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = main(process.argv.slice(2));
