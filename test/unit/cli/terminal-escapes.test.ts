// Names from telemetry and answers from servers are shown, never obeyed: no escape sequence of theirs reaches the
// terminal, while the CLI's own colours still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { styleFor } from '../../../src/cli/render/style.ts';
import { renderTrace } from '../../../src/cli/render/tree.ts';
import { terminalOutput, terminalSafe } from '../../../src/cli/render/terminal-text.ts';
import { reportFromSpans } from '../../../src/cli/report/from-spans.ts';
import { renderReportText } from '../../../src/cli/report/text.ts';
import { renderReportHtml } from '../../../src/cli/report/html.ts';
import type { CliSpan } from '../../../src/cli/telemetry/otlp-json.ts';

const coloured = styleFor(new PassThrough() as unknown as NodeJS.WriteStream, true);

/** What attackers put in names: window title, clipboard, hyperlink, clear screen, 8-bit CSI, bidi override. */
const HOSTILE = [
  '\u001b]0;pwned\u0007',
  '\u001b]52;c;Y3VybCBldmlsLnNo\u0007',
  '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\',
  '\u001b[2J\u001b[H',
  '\u009b31m',
  'safe\u202egnp.exe',
  'del\u007f',
  'line\nbreak\rreturn\ttab',
];

/** Every escape character that is not one of the CLI's own colour codes (SGR, `ESC [ digits m`). */
function foreignControls(text: string): string[] {
  // eslint-disable-next-line no-control-regex
  const withoutOurColours = text.replace(/\u001b\[[0-9;]*m/g, '');
  // eslint-disable-next-line no-control-regex
  return [...withoutOurColours.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)].map(
    (match) => JSON.stringify(match[0]),
  );
}

function span(name: string, attributes: Record<string, unknown>, error = false, parentSpanId?: string): CliSpan {
  return {
    traceId: 't'.repeat(32),
    spanId: `s${name.length}${Object.keys(attributes).length}`,
    parentSpanId,
    name,
    startMillis: 1000,
    durationMillis: 10,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes,
    serviceName: `svc${HOSTILE[0]}`,
    kind: 'CLIENT',
    error,
  };
}

test('traces: span names, error types, retry reasons, session and user ids are escaped; our colours stay', () => {
  for (const hostile of HOSTILE) {
    const root = span(`invoke_agent ${hostile}`, { 'session.id': `sess${hostile}`, 'user.id': `user${hostile}` });
    const child = {
      ...span(
        `chat ${hostile}`,
        {
          'error.type': `Err${hostile}`,
          'genai_otel.retry.count': 1,
          'genai_otel.retry.reason': hostile,
          'gen_ai.usage.input_tokens': 1,
        },
        true,
        root.spanId,
      ),
      spanId: 'child',
    };
    const text = renderTrace([root, child], coloured).join('\n');
    assert.deepEqual(foreignControls(text), [], JSON.stringify(text));
    assert.ok(text.includes('\u001b[31m'), 'the error is still red');
    assert.ok(text.includes('\\u'), 'the hostile characters are shown escaped');
  }
});

test('report: model, tool, span, service names and retry reasons are escaped in text; the HTML escapes markup', () => {
  for (const hostile of HOSTILE) {
    const spans = [
      span(
        `chat ${hostile}`,
        {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': `gpt${hostile}<script>`,
          'gen_ai.usage.input_tokens': 1,
          'genai_otel.cost.usd': 0.1,
          'genai_otel.retry.count': 1,
          'genai_otel.retry.reason': hostile,
        },
        true,
      ),
      {
        ...span(`execute_tool ${hostile}`, {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': `tool${hostile}`,
        }),
        spanId: 'tool',
      },
    ];
    const data = reportFromSpans(spans, [], {
      source: `files${hostile}`,
      sinceMillis: 0,
      untilMillis: 10_000,
      service: `svc${hostile}`,
    });
    const text = renderReportText(data, coloured).join('\n');
    assert.deepEqual(foreignControls(text), [], JSON.stringify(text));
    assert.ok(text.includes('\u001b[1m'), 'headings are still bold');
    const html = renderReportHtml(data);
    assert.ok(!html.includes('<script>'), 'markup from telemetry is escaped in the HTML report');
    assert.match(html, /gpt.*&#60;script&#62;/s);
  }
});

test('terminalSafe escapes every control character of any string; terminalOutput keeps only SGR and line feeds', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      assert.deepEqual(
        foreignControls(terminalSafe(text)).concat(
          [...terminalSafe(text)].filter((char) => char === '\n' || char === '\u001b'),
        ),
        [],
      );
      const output = terminalOutput(text);
      assert.deepEqual(foreignControls(output), []);
      // Escaped output is valid inside a JSON string: the data round-trips.
      assert.equal(JSON.parse(terminalOutput(JSON.stringify(text))), text);
    }),
    { numRuns: 500 },
  );
  assert.equal(
    terminalOutput(`${coloured.red('red')}\n\u001b]0;x\u0007`),
    '\u001b[31mred\u001b[39m\n\\u001b]0;x\\u0007',
  );
});
