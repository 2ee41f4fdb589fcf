// Recall and false positives of the default redaction over a corpus of personal data, secrets and near-misses
// (corpus.json), each sentence placed where real data travels: chat messages and model output (span attributes and
// the content event), tool arguments and results, attributes and events set by third-party code, and log bodies and
// attributes. Everything goes through the real SDK and the redacting exporters; what comes out is compared with what
// went in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode, logs, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { installRedactingSdk } from '../support/redacting-sdk.ts';
import corpus from './corpus.json' with { type: 'json' };

process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'SPAN_AND_EVENT';
const sdk = installRedactingSdk();
const { withLLMCall, withToolCall } = await import('../../src/index.ts');

interface Entry {
  kind: string;
  value: string;
  text: string;
}

/** Where a sentence was placed, and how to read back what was exported in its place. */
interface Placement {
  carrier: string;
  read(index: number): string;
}

const RECALL_FLOOR = 0.98;
const FALSE_POSITIVE_CEILING = 0.02;
const LABEL_FLOOR = 0.95;

async function emit(entries: Entry[], offset: number): Promise<void> {
  const thirdParty = trace.getTracer('acme-crm-client', '4.2.0');
  const appLogger = logs.getLogger('acme-app');
  for (const [position, entry] of entries.entries()) {
    const index = offset + position;
    await withLLMCall(
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        conversationId: `corpus-${index}`,
        messages: [{ role: 'user', content: entry.text }],
      },
      async () => ({
        object: 'chat.completion',
        id: `chatcmpl-${index}`,
        choices: [{ message: { role: 'assistant', content: entry.text }, finish_reason: 'stop' }],
      }),
    );
    await withToolCall(
      { name: 'lookup_customer', callId: `call-${index}`, arguments: { nested: { value: entry.text } } },
      async () => ({ echo: entry.text }),
    );
    const span = thirdParty.startSpan('crm.update', {
      attributes: { 'corpus.index': index, 'crm.customer.note': entry.text, 'crm.tags': [entry.text, 'vip'] },
    });
    span.addEvent('crm.note', { 'crm.note.text': entry.text });
    span.setStatus({ code: SpanStatusCode.ERROR, message: entry.text });
    span.end();
    appLogger.emit({
      body: entry.text,
      attributes: { 'corpus.index': index, 'corpus.form': 'text', 'app.note': entry.text },
    });
    appLogger.emit({
      body: { message: 'note saved', context: { note: entry.text } },
      attributes: { 'corpus.index': index, 'corpus.form': 'structured' },
    });
  }
  await sdk.flush();
}

function indexSpans(spans: ReadableSpan[]) {
  const llm = new Map<string, ReadableSpan>();
  const tool = new Map<string, ReadableSpan>();
  const crm = new Map<number, ReadableSpan>();
  for (const span of spans) {
    const attributes = span.attributes;
    if (typeof attributes['gen_ai.conversation.id'] === 'string') llm.set(attributes['gen_ai.conversation.id'], span);
    else if (typeof attributes['gen_ai.tool.call.id'] === 'string') tool.set(attributes['gen_ai.tool.call.id'], span);
    else if (typeof attributes['corpus.index'] === 'number') crm.set(attributes['corpus.index'], span);
  }
  return { llm, tool, crm };
}

function indexLogs(records: ReadableLogRecord[]) {
  const events = new Map<string, ReadableLogRecord>();
  const text = new Map<number, ReadableLogRecord>();
  const structured = new Map<number, ReadableLogRecord>();
  for (const record of records) {
    const attributes = record.attributes;
    if (record.eventName === 'gen_ai.client.inference.operation.details')
      events.set(String(attributes['gen_ai.conversation.id']), record);
    else if (attributes['corpus.form'] === 'text') text.set(attributes['corpus.index'] as number, record);
    else if (attributes['corpus.form'] === 'structured') structured.set(attributes['corpus.index'] as number, record);
  }
  return { events, text, structured };
}

type Indexed = ReturnType<typeof indexSpans> & ReturnType<typeof indexLogs>;
const need = <T>(value: T | undefined, what: string): T => {
  assert.ok(value !== undefined, `nothing exported for ${what}`);
  return value;
};
// Content attributes are JSON strings on spans: parsing them back also proves redaction left valid JSON.
const json = (value: unknown): any => JSON.parse(String(value));

function placements(found: Indexed): Placement[] {
  const llm = (index: number) => need(found.llm.get(`corpus-${index}`), `the LLM span of #${index}`);
  const tool = (index: number) => need(found.tool.get(`call-${index}`), `the tool span of #${index}`);
  const crm = (index: number) => need(found.crm.get(index), `the third-party span of #${index}`);
  const event = (index: number) => need(found.events.get(`corpus-${index}`), `the content event of #${index}`);
  return [
    {
      carrier: 'chat message (span attribute)',
      read: (i) => json(llm(i).attributes['gen_ai.input.messages'])[0].parts[0].content,
    },
    {
      carrier: 'model output (span attribute)',
      read: (i) => json(llm(i).attributes['gen_ai.output.messages'])[0].parts[0].content,
    },
    {
      carrier: 'chat message (content event)',
      read: (i) => (event(i).attributes['gen_ai.input.messages'] as any)[0].parts[0].content,
    },
    {
      carrier: 'model output (content event)',
      read: (i) => (event(i).attributes['gen_ai.output.messages'] as any)[0].parts[0].content,
    },
    { carrier: 'tool arguments', read: (i) => json(tool(i).attributes['gen_ai.tool.call.arguments']).nested.value },
    { carrier: 'tool result', read: (i) => json(tool(i).attributes['gen_ai.tool.call.result']).echo },
    { carrier: 'third-party attribute', read: (i) => String(crm(i).attributes['crm.customer.note']) },
    { carrier: 'third-party array attribute', read: (i) => String((crm(i).attributes['crm.tags'] as string[])[0]) },
    { carrier: 'third-party span event', read: (i) => String(crm(i).events[0]!.attributes!['crm.note.text']) },
    { carrier: 'span status message', read: (i) => String(crm(i).status.message) },
    { carrier: 'log body', read: (i) => String(need(found.text.get(i), `the log of #${i}`).body) },
    {
      carrier: 'log attribute',
      read: (i) => String(need(found.text.get(i), `the log of #${i}`).attributes['app.note']),
    },
    {
      carrier: 'structured log body',
      read: (i) => (need(found.structured.get(i), `the structured log of #${i}`).body as any).context.note,
    },
  ];
}

interface Figures {
  recall: number;
  falsePositiveRate: number;
  labelAccuracy: number;
  lines: string[];
  misses: string[];
  falsePositives: string[];
  mislabels: string[];
}

/** Reads back every placement of `positives` (emitted from index `offset`) and `negatives` (right after them). */
function measure(carriers: Placement[], positives: Entry[], negatives: Entry[], offset: number): Figures {
  let removed = 0;
  let labelled = 0;
  const misses: string[] = [];
  const mislabels: string[] = [];
  for (const [position, entry] of positives.entries()) {
    for (const placement of carriers) {
      const exported = placement.read(offset + position);
      if (exported.includes(entry.value)) {
        misses.push(`${entry.kind} in ${placement.carrier}: ${JSON.stringify(exported)}`);
        continue;
      }
      removed++;
      if (exported.includes(`[REDACTED:${entry.kind}]`)) labelled++;
      else mislabels.push(`${entry.kind} in ${placement.carrier}: ${JSON.stringify(exported)}`);
    }
  }
  let altered = 0;
  const falsePositives: string[] = [];
  for (const [position, entry] of negatives.entries()) {
    for (const placement of carriers) {
      const exported = placement.read(offset + positives.length + position);
      if (exported !== entry.text) {
        altered++;
        falsePositives.push(`${entry.kind} in ${placement.carrier}: ${JSON.stringify(exported)}`);
      }
    }
  }
  const positivePlacements = positives.length * carriers.length;
  const negativePlacements = negatives.length * carriers.length;
  const recall = removed / positivePlacements;
  const falsePositiveRate = altered / negativePlacements;
  const labelAccuracy = labelled / Math.max(1, removed);
  return {
    recall,
    falsePositiveRate,
    labelAccuracy,
    misses,
    falsePositives,
    mislabels,
    lines: [
      `${positives.length} positives, ${negatives.length} negatives, ${carriers.length} carriers each`,
      `recall ${recall.toFixed(4)} (${removed}/${positivePlacements} placements redacted)`,
      `false-positive rate ${falsePositiveRate.toFixed(4)} (${altered}/${negativePlacements} placements altered)`,
      `labelled with the expected rule: ${labelAccuracy.toFixed(4)} (${labelled}/${removed})`,
    ],
  };
}

test('default redaction over the corpus: recall and false-positive rate in every carrier', async (t) => {
  const sets = [
    { name: 'corpus', positives: corpus.positives as Entry[], negatives: corpus.negatives as Entry[] },
    {
      name: 'held-out corpus',
      positives: corpus.heldOut.positives as Entry[],
      negatives: corpus.heldOut.negatives as Entry[],
    },
  ];
  let offset = 0;
  const offsets: number[] = [];
  for (const set of sets) {
    offsets.push(offset);
    await emit([...set.positives, ...set.negatives], offset);
    offset += set.positives.length + set.negatives.length;
  }
  const found: Indexed = { ...indexSpans(sdk.spans()), ...indexLogs(sdk.logs()) };
  const carriers = placements(found);

  for (const [index, set] of sets.entries()) {
    const figures = measure(carriers, set.positives, set.negatives, offsets[index]!);
    for (const line of figures.lines) {
      t.diagnostic(`${set.name}: ${line}`);
      console.log(`privacy ${set.name}: ${line}`);
    }
    for (const line of [...figures.misses, ...figures.falsePositives, ...figures.mislabels].slice(0, 40))
      t.diagnostic(line);
    assert.ok(
      figures.recall >= RECALL_FLOOR,
      `${set.name}: recall ${figures.recall} is below ${RECALL_FLOOR}:\n${figures.misses.slice(0, 20).join('\n')}`,
    );
    assert.ok(
      figures.falsePositiveRate <= FALSE_POSITIVE_CEILING,
      `${set.name}: false-positive rate ${figures.falsePositiveRate} is above ${FALSE_POSITIVE_CEILING}:\n${figures.falsePositives.slice(0, 20).join('\n')}`,
    );
    assert.ok(
      figures.labelAccuracy >= LABEL_FLOOR,
      `${set.name}: labels ${figures.labelAccuracy}:\n${figures.mislabels.slice(0, 20).join('\n')}`,
    );
  }
});

test('the corpus is varied: every built-in rule has positives, and near-misses outnumber no kind of positive', async () => {
  const { REDACTION_RULE_NAMES } = await import('../../src/config/redaction-rule-names.ts');
  const kinds = new Set((corpus.positives as Entry[]).map((entry) => entry.kind));
  for (const rule of REDACTION_RULE_NAMES) assert.ok(kinds.has(rule), `no positive for ${rule}`);
  assert.ok(corpus.negatives.length >= corpus.positives.length, 'at least as many near-misses as positives');
  const all = [
    ...corpus.positives,
    ...corpus.negatives,
    ...corpus.heldOut.positives,
    ...corpus.heldOut.negatives,
  ] as Entry[];
  for (const entry of all) assert.ok(entry.text.includes(entry.value), `${entry.kind}: the value is in its sentence`);
});
