// Guards on the collector's redaction safety net (collector/privacy.yaml), read as a file: which statement groups
// telemetry redacted by genai-otel skips, and that the rule set the collector trusts is the one genai-otel states.
// test/e2e/redaction-marker.e2e.test.mjs checks the same with the real collector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { builtInRulesetName } from '../../../src/privacy/redaction-marker.ts';

const config = parse(readFileSync(new URL('../../../collector/privacy.yaml', import.meta.url), 'utf8'));
const transform = config.processors['transform/genai_otel_privacy'];

interface Group {
  context: string;
  conditions?: string[];
  statements: string[];
}
const groups: Group[] = [...transform.trace_statements, ...transform.log_statements];
const isPatternRule = (statement: string) => /^replace_(all_)?patterns?\(/.test(statement);
/** The rule set a condition trusts, with ${env:NAME:-default} resolved as the collector would with `env`. */
function trusted(condition: string, env: Record<string, string> = {}): string | undefined {
  const match = /attributes\["genai_otel\.redaction\.ruleset"\] != "\$\{env:([A-Z_]+):-([^}]*)\}"$/.exec(condition);
  return match === null ? undefined : (env[match[1]!] ?? match[2]);
}

test('every group of pattern rules runs only for telemetry not stating the rule set genai-otel applies', () => {
  const patterned = groups.filter((group) => group.statements.some(isPatternRule));
  assert.ok(patterned.length >= 6, `${patterned.length} groups of pattern rules`);
  for (const group of patterned) {
    assert.equal(group.conditions?.length, 1, `${group.context}: ${group.statements[0]}`);
    assert.equal(trusted(group.conditions[0]!), builtInRulesetName(), group.conditions[0]);
    // A resource context reads its own attributes; the others read their resource's.
    assert.equal(group.conditions[0]!.startsWith('resource.'), group.context !== 'resource');
    // Pattern rules only: what is cheap and not a pattern stays in the unconditioned groups.
    assert.ok(
      group.statements.every(isPatternRule),
      group.statements.find((statement) => !isPatternRule(statement)),
    );
  }
});

test('credential keys and identities are handled for everyone, genai-otel included', () => {
  const always = groups.filter((group) => group.conditions === undefined);
  const statements = always.flatMap((group) => group.statements).join('\n');
  for (const context of ['span', 'resource', 'log'])
    assert.ok(
      always.some(
        (group) => group.context === context && group.statements.some((s) => s.startsWith('delete_matching_keys(')),
      ),
      context,
    );
  assert.match(statements, /attributes\["user\.id"\]/);
  assert.match(statements, /attributes\["session\.id"\]/);
  assert.ok(!always.some((group) => group.statements.some(isPatternRule)));
});

test('the single-node collector and the scale-out agent run the safety net in every traces and logs pipeline', () => {
  for (const file of ['config.yaml', 'scale/agent.yaml']) {
    const pipelines = parse(readFileSync(new URL(`../../../collector/${file}`, import.meta.url), 'utf8')).service
      .pipelines as Record<string, { processors: string[] }>;
    const redacting = Object.entries(pipelines).filter(([name]) => /^(traces|logs)(\/|$)/.test(name));
    assert.ok(redacting.length >= 2, `${file}: traces and logs pipelines`);
    for (const [name, pipeline] of redacting) {
      // The redaction processor has no condition: it judges every span (see the README's "Defence in depth").
      assert.deepEqual(
        pipeline.processors.slice(0, 3),
        ['memory_limiter', 'transform/genai_otel_privacy', 'redaction/genai_otel_privacy'],
        `${file}: pipeline ${name} redacts first`,
      );
    }
  }
});

test('OTELCOL_GENAI_OTEL_TRUSTED_RULESET=none gives genai-otel telemetry the full safety net too', () => {
  for (const group of groups.filter((g) => g.conditions !== undefined))
    assert.equal(trusted(group.conditions![0]!, { OTELCOL_GENAI_OTEL_TRUSTED_RULESET: 'none' }), 'none');
});
