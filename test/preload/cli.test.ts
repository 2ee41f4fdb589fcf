// The genai-otel CLI against local files: the support agent runs under the preload with the `file` exporter (and
// OTLP to an address where nothing listens, so the spool fills), then every command reads what it wrote, as a user
// would run them: the built executable, in a child process, its output piped (so no colour and no progress line).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spansOf, type CliSpan } from '../../src/cli/telemetry/otlp-json.ts';
import { startOtlpReceiver } from '@genai-otel/mock-otlp-receiver';
import type { FixtureResult } from '../support/run-fixture.ts';
import { closedPort, runCli, runSupportAgent, type AgentRun } from '../support/support-agent.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

let folder: string;
let agent: AgentRun;
let spans: CliSpan[];
let env: Record<string, string | undefined>;
const cli = (...args: string[]): Promise<FixtureResult> => runCli(args, env);

before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'genai-otel-cli-'));
  const clean: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(OTEL_|GENAI_OTEL_|OPENAI_|DEMO_|NO_COLOR|FORCE_COLOR)/.test(key)) clean[key] = value;
  env = {
    ...clean,
    OTEL_SERVICE_NAME: 'support-cli-test',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    GENAI_OTEL_FILE_DIR: join(folder, 'files'),
    GENAI_OTEL_SPOOL_DIR: join(folder, 'spool'),
    GENAI_OTEL_JAEGER_URL: `http://127.0.0.1:${await closedPort()}`,
    GENAI_OTEL_PROMETHEUS_URL: `http://127.0.0.1:${await closedPort()}`,
  };
  agent = await runSupportAgent({
    ...env,
    OTEL_TRACES_EXPORTER: 'otlp,file',
    OTEL_METRICS_EXPORTER: 'otlp,file',
    OTEL_LOGS_EXPORTER: 'otlp,file',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  assert.equal(agent.code, 0, agent.stderr);
  spans = readFileSync(join(folder, 'files', 'traces.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => spansOf(JSON.parse(line)));
});

after(() => rmSync(folder, { recursive: true, force: true }));

describe('--help', () => {
  const commands: Record<string, RegExp[]> = {
    traces: [/--trace <id>/, /--session <id>/, /--limit <n>/, /--source <source>/, /--since <duration>/, /--json/],
    report: [
      /--html <file>/,
      /--prometheus <url>/,
      /auto takes Prometheus when it answers, else the local store when it holds spans, else the local files \(choices: "auto", "prometheus", "store", "jaeger", "files", default: "auto"\)/,
      /--since <duration> how far back to look: 30m, 24h, 7d \(default: 24h\)/,
    ],
    sessions: [/--logs-file <path>/, /--service <name>/],
    export: [
      /--format <format> output format \(choices: "csv", "jsonl", default: "csv"\)/,
      /--what <data>/,
      /-o, --output <file>/,
    ],
    doctor: [/--timeout <ms>/, /Exit code 1 when a check failed/],
    import: [/--dir <path>/, /genai-otel import \.genai-otel\/traces\.jsonl/],
  };

  test('genai-otel --help lists every command', async () => {
    const result = await cli('--help');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: genai-otel \[options\] \[command\]/);
    for (const command of Object.keys(commands))
      assert.match(result.stdout, new RegExp(`\\n  ${command} \\[options\\] +\\S`));
    assert.equal((await cli('--version')).stdout.trim(), JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  for (const [command, expected] of Object.entries(commands)) {
    test(`genai-otel ${command} --help`, async () => {
      const result = await cli(command, '--help');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^Usage: genai-otel ${command} \\[options\\]`));
      // Help is wrapped to the terminal's width: compare with whitespace collapsed.
      const text = result.stdout.replace(/\s+/g, ' ');
      for (const pattern of expected) assert.match(text, pattern);
    });
  }

  test('a bad option value is refused with the reason and a hint, exit code 1', async () => {
    const result = await cli('traces', '--since', 'yesterday');
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /option '--since <duration>' argument 'yesterday' is invalid\. expected a duration such as 30m, 24h or 7d/,
    );
    assert.match(result.stderr, /\(add --help for usage\)/);
  });
});

describe('genai-otel traces (local files)', () => {
  test('shows the five most recent traces as trees, without colour or progress when piped', async () => {
    const result = await cli('traces');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^files in .*files: 5 of 8 traces\n$/);
    const headers = result.stdout.split('\n').filter((line) => line.startsWith('trace '));
    assert.equal(headers.length, 5);
    assert.doesNotMatch(result.stdout + result.stderr, ANSI);
    assert.doesNotMatch(result.stderr, /\r/);
    // Newest first: the agent printed the last answer's trace last.
    assert.ok(headers[0]!.startsWith(`trace ${agent.traceIds.at(-1)}`));
  });

  test('--trace shows that trace: LLM calls with tokens and cost, a retried 429, a failed tool call', async () => {
    const retried = spans.find((span) => span.attributes['genai_otel.retry.count'] === 1)!;
    const result = await cli('traces', '--trace', retried.traceId);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(
        `^trace ${retried.traceId}  support-cli-test  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  [\\d.]+ m?s  session session-\\w+-1 \\(user-\\w+\\)`,
      ),
    );
    assert.match(
      result.stdout,
      /chat gpt-4o(-mini)? {2}[\d.]+ m?s {2}[\d,]+→\d+ tokens \([\d,]+ cached\) · \$0\.\d+.*retried ×1 \(rate_limited\)/,
    );
    const failed = spans.find((span) => span.error)!;
    const withError = await cli('traces', '--trace', failed.traceId.toUpperCase());
    assert.match(withError.stdout, /├─ execute_tool lookup_order {2}[\d.]+ ms {2}ERROR TimeoutError\n/);
  });

  test("--session shows the session's traces oldest first, including the regenerated answer", async () => {
    const result = await cli('traces', '--session', 'session-bob-1');
    const headers = result.stdout.split('\n').filter((line) => line.startsWith('trace '));
    assert.equal(headers.length, 3);
    assert.ok(headers.every((line) => line.endsWith('session session-bob-1 (user-bob)')));
    assert.match(
      result.stdout.split('\n\n')[1]!,
      /^trace \w+ .*\n└─ answer_revision reran .*revision: reran\n {3}└─ invoke_agent support-assistant/,
    );
    const none = await cli('traces', '--session', 'nobody');
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no traces of session nobody in files in /);
  });

  test('--json prints the traces with every span; --color colours; --since excludes older traces', async () => {
    const json = JSON.parse((await cli('traces', '--json', '--limit', '100')).stdout) as {
      traceId: string;
      spans: CliSpan[];
    }[];
    assert.equal(json.length, 8);
    assert.equal(
      json.reduce((sum, trace) => sum + trace.spans.length, 0),
      spans.length,
    );
    assert.match((await cli('traces', '--limit', '1', '--color')).stdout, ANSI);
    const empty = await cli('traces', '--since', '1ms');
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /no traces in files in .* since /);
  });
});

describe('genai-otel report (local files)', () => {
  test('--json: the figures match the spans', async () => {
    const result = await cli('report', '--json');
    assert.equal(result.code, 0, result.stderr);
    const data = JSON.parse(result.stdout);
    const chats = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    const tools = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');
    assert.match(data.source, /^files in /);
    assert.equal(data.exactPercentiles, true);
    assert.equal(data.requests, 28);
    assert.equal(data.errors, 0);
    assert.equal(
      data.tokens.input,
      chats.reduce((sum, span) => sum + (span.attributes['gen_ai.usage.input_tokens'] as number), 0),
    );
    assert.ok(
      Math.abs(
        data.costUsd - chats.reduce((sum, span) => sum + (span.attributes['genai_otel.cost.usd'] as number), 0),
      ) < 1e-12,
    );
    assert.equal(data.retries.total, agent.llm.rateLimited, 'every 429 the simulated API sent was retried and counted');
    assert.deepEqual(
      [data.tools.calls, data.tools.failures],
      [tools.length, tools.filter((span) => span.error).length],
    );
    assert.deepEqual(data.feedback, { likes: 4, dislikes: 2 });
    assert.deepEqual(
      data.byModel.map((row: { model: string }) => row.model),
      ['gpt-4o', 'gpt-4o-mini'],
    );
    const durations = chats.map((span) => span.durationMillis / 1000).sort((a, b) => a - b);
    assert.equal(data.latency.p50, durations[13]);
    assert.equal(data.latency.p99, durations[27]);
  });

  test('text: the dashboard sections; --html writes a static page instead', async () => {
    const result = await cli('report');
    for (const section of [
      'LLM calls',
      'Cost by model',
      'Cost by hour',
      'Tools',
      'Retries and feedback',
      "Operations (what Jaeger's Monitor tab shows)",
    ])
      assert.match(result.stdout, new RegExp(`\\n${section.replace(/[()]/g, '\\$&')}\\n`));
    assert.match(result.stdout, /gpt-4o-mini +21 +0 /);
    const html = join(folder, 'report.html');
    const written = await cli('report', '--html', html);
    assert.equal(written.stdout, '');
    assert.match(written.stderr, /wrote .*report\.html/);
    assert.match(
      readFileSync(html, 'utf8'),
      /^<!doctype html>[\s\S]*<div class="tile"><div class="label">LLM requests<\/div><div class="value">28<\/div>/,
    );
  });
});

describe('genai-otel sessions and export (local files)', () => {
  test('sessions: one row per session with messages, likes, response times and retries', async () => {
    const text = await cli('sessions');
    assert.match(text.stdout, /^session +user +started +duration +user msgs +assistant msgs +likes +dislikes/);
    assert.match(text.stdout, /\nsession-bob-1 +user-bob +\S+ \S+ +[\d.]+ m?s +2 +3 +1 +1 /);
    const rows = JSON.parse((await cli('sessions', '--json')).stdout) as {
      sessionId: string;
      retried: number;
      likes: number;
      userResponseSeconds: unknown;
    }[];
    assert.deepEqual(rows.map((row) => row.sessionId).sort(), ['session-alice-1', 'session-bob-1', 'session-carol-1']);
    assert.equal(rows.find((row) => row.sessionId === 'session-bob-1')!.retried, 1);
    assert.equal(
      rows.reduce((sum, row) => sum + row.likes, 0),
      4,
    );
  });

  test('export: spans as CSV and JSON lines, logs and sessions to a file', async () => {
    const csv = await cli('export', '--format', 'csv');
    const lines = csv.stdout.trim().split('\n');
    assert.equal(
      lines[0],
      'trace_id,span_id,parent_span_id,service,name,kind,start,duration_ms,status,error_type,operation,provider,request_model,response_model,input_tokens,output_tokens,cost_usd,retries,tool,session_id,user_id',
    );
    assert.equal(lines.length - 1, spans.length);
    assert.ok(
      lines.some((line) => /,execute_tool lookup_order,INTERNAL,.*,ERROR,TimeoutError,execute_tool,/.test(line)),
    );
    const jsonl = (await cli('export', '--format', 'jsonl')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as CliSpan);
    assert.equal(jsonl.length, spans.length);
    assert.ok(jsonl.some((span) => span.attributes['gen_ai.memory.store.id'] === 'customer-facts'));
    const logs = (await cli('export', '--what', 'logs', '--format', 'jsonl')).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; attributes: Record<string, unknown> });
    assert.equal(logs.filter((log) => log.event === 'gen_ai.evaluation.result').length, 6);
    const file = join(folder, 'sessions.csv');
    const written = await cli('export', '--what', 'sessions', '--output', file);
    assert.match(written.stderr, /exported 3 sessions to .*sessions\.csv/);
    assert.match(
      readFileSync(file, 'utf8'),
      /^session_id,user_ids,start,end,duration_s,user_messages,assistant_messages,likes,dislikes,/,
    );
  });
});

describe('hostile telemetry and servers', () => {
  const HOSTILE =
    '\u001b]0;title\u0007\u001b]52;c;Y2xpcA==\u0007\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\\u001b[2J\u009b1m\u202eevil';
  /** Every control character left once the CLI's own colour codes (SGR) are taken out. */
  const foreign = (text: string) =>
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      // eslint-disable-next-line no-control-regex
      .match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g) ?? [];

  test('traces, report, sessions and export print names from telemetry escaped; colours still work', async () => {
    const dir = join(folder, 'hostile');
    mkdirSync(dir, { recursive: true });
    const now = BigInt(Date.now()) * 1_000_000n;
    const kv = (key: string, value: string | number) => ({
      key,
      value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
    });
    const spansJson = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', `svc${HOSTILE}`)] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'ab'.repeat(16),
                  spanId: '01'.repeat(8),
                  name: `invoke_agent ${HOSTILE}`,
                  kind: 1,
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 5_000_000n),
                  attributes: [
                    kv('session.id', `sess${HOSTILE}`),
                    kv('user.id', `user${HOSTILE}`),
                    kv('gen_ai.conversation.id', 'c1'),
                  ],
                  status: {},
                },
                {
                  traceId: 'ab'.repeat(16),
                  spanId: '02'.repeat(8),
                  parentSpanId: '01'.repeat(8),
                  name: `chat ${HOSTILE}`,
                  kind: 3,
                  startTimeUnixNano: String(now + 1_000_000n),
                  endTimeUnixNano: String(now + 4_000_000n),
                  attributes: [
                    kv('gen_ai.operation.name', 'chat'),
                    kv('gen_ai.request.model', `=HYPERLINK("https://evil.example")${HOSTILE}`),
                    kv('gen_ai.usage.input_tokens', 5),
                    kv('error.type', `E${HOSTILE}`),
                    kv('session.id', `sess${HOSTILE}`),
                  ],
                  status: { code: 2, message: HOSTILE },
                },
                {
                  traceId: 'ab'.repeat(16),
                  spanId: '03'.repeat(8),
                  parentSpanId: '01'.repeat(8),
                  name: `execute_tool ${HOSTILE}`,
                  kind: 1,
                  startTimeUnixNano: String(now + 1_000_000n),
                  endTimeUnixNano: String(now + 2_000_000n),
                  attributes: [
                    kv('gen_ai.operation.name', 'execute_tool'),
                    kv('gen_ai.tool.name', `@SUM(1+1)${HOSTILE}`),
                  ],
                  status: {},
                },
              ],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'traces.jsonl'), `${JSON.stringify(spansJson)}\n`);
    const files = ['--source', 'files', '--dir', dir];
    for (const args of [
      ['traces', ...files, '--color'],
      ['report', ...files, '--color'],
      ['sessions', ...files, '--color'],
      ['traces', ...files, '--json'],
      ['export', ...files, '--format', 'jsonl'],
      ['export', ...files, '--format', 'csv'],
    ]) {
      const result = await runCli(args, env);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(
        result.stdout.includes('\\u001b') || result.stdout.includes('\\u202e'),
        `${args.join(' ')} shows the escapes:\n${result.stdout}`,
      );
      assert.deepEqual(foreign(result.stdout), [], `${args.join(' ')}:\n${JSON.stringify(result.stdout)}`);
      assert.deepEqual(foreign(result.stderr), [], `${args.join(' ')}:\n${JSON.stringify(result.stderr)}`);
      // eslint-disable-next-line no-control-regex
      if (args.includes('--color')) assert.match(result.stdout, /\u001b\[1m/, 'our own colours still work');
      if (args.includes('csv')) {
        assert.match(
          result.stdout,
          /,"'=HYPERLINK\(""https:\/\/evil\.example""\)/,
          'a formula from telemetry is neutralised',
        );
        assert.match(result.stdout, /,"'@SUM\(1\+1\)/);
      }
    }
  });

  test('an error body from Jaeger is printed escaped', async () => {
    const server = createHttpServer((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`boom ${HOSTILE}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runCli(['traces', '--source', 'jaeger', '--jaeger', `http://127.0.0.1:${port}`], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /genai-otel: 500 from .*boom \\u001b\]0;title/);
      assert.deepEqual(foreign(result.stderr), [], JSON.stringify(result.stderr));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('genai-otel doctor', () => {
  test('credentials: the collector, Jaeger and Prometheus are reached as the exporter reaches them, and no secret is printed', async () => {
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const seen: string[] = [];
    const server = createHttpServer((request, response) => {
      const url = request.url ?? '';
      seen.push(`${request.method} ${url}`);
      const otlp = url.startsWith('/v1/');
      const expected = otlp
        ? basic('otel-user', 'pa55-otlp')
        : url.startsWith('/api/v3')
          ? basic('jaeger-user', 'pa55-jaeger')
          : basic('prom-user', 'pa55-prom');
      const tenantOk = !otlp || request.headers['x-tenant'] === 'acme';
      const keyOk = !url.startsWith('/v1/traces') || url.endsWith('?api_key=key-otlp-1');
      response.writeHead(request.headers.authorization === expected && tenantOk && keyOk ? 200 : 401, {
        'content-type': 'application/json',
      });
      response.end(otlp ? '{}' : '{"data":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runCli(['doctor', '--json'], {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://otel-user:pa55-otlp@127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://otel-user:pa55-otlp@127.0.0.1:${port}/v1/traces?api_key=key-otlp-1`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
        GENAI_OTEL_JAEGER_URL: `http://jaeger-user:pa55-jaeger@127.0.0.1:${port}`,
        GENAI_OTEL_PROMETHEUS_URL: `http://prom-user:pa55-prom@127.0.0.1:${port}`,
      });
      const checks = JSON.parse(result.stdout) as { name: string; status: string; detail: string }[];
      const otlp = checks.filter((check) => check.name === 'OTLP endpoint');
      assert.ok(otlp.length > 0 && otlp.every((check) => check.status === 'ok'), JSON.stringify(otlp));
      assert.equal(checks.find((check) => check.name === 'Jaeger')?.status, 'ok');
      assert.equal(checks.find((check) => check.name === 'Prometheus')?.status, 'ok');
      assert.ok(seen.includes('POST /v1/traces?api_key=key-otlp-1'), seen.join(', '));
      for (const secret of ['pa55', 'otel-user', 'jaeger-user', 'prom-user', 'key-otlp-1'])
        assert.ok(
          !result.stdout.includes(secret) && !result.stderr.includes(secret),
          `${secret} printed:\n${result.stdout}${result.stderr}`,
        );
      assert.match(
        result.stdout,
        new RegExp(`"http://127\\.0\\.0\\.1:${port} \\(traces, metrics, logs\\): accepts OTLP`),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('no collector: says so, what to do, and that the spool holds the telemetry; exit code 1', async () => {
    const result = await cli('doctor');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^ok {4}Node\.js: v\d+/m);
    assert.match(
      result.stdout,
      /FAIL {2}OTLP endpoint: http:\/\/127\.0\.0\.1:\d+ \(traces, metrics, logs\): nothing answers \(ECONNREFUSED\)\n {6}fix: start a collector/,
    );
    assert.match(
      result.stdout,
      /warn {2}spool: \d+ payloads \([\d,]+ bytes; traces [\d,]+ items?, metrics [\d,]+ items?, logs [\d,]+ items?\) wait in .*spool/,
    );
    assert.match(result.stdout, /ok {4}local files: .*files: 3 files/);
    assert.match(result.stdout, /ok {4}openai: \d+\.\d+\.\d+, traced automatically/);
    assert.match(result.stdout, /\n1 problem to fix, 1 warning\n$/);
  });

  test('a service that has not exported yet: the spools of other services beside it are named (per-user folder)', async () => {
    const temp = mkdtempSync(join(tmpdir(), 'genai-otel-doctor-tmp-'));
    try {
      const services = join(temp, `genai-otel-${process.getuid?.() ?? 0}`, 'spool');
      mkdirSync(join(services, 'checkout'), { recursive: true, mode: 0o700 });
      writeFileSync(join(services, 'checkout', 'status.json'), '{"spool":{"entries":0,"bytes":0}}', { mode: 0o600 });
      const { GENAI_OTEL_SPOOL_DIR: _default, ...withoutSpoolDir } = env;
      const result = await runCli(['doctor', '--json'], {
        ...withoutSpoolDir,
        TMPDIR: temp,
        OTEL_SERVICE_NAME: 'not-yet-exported',
      });
      const spool = (JSON.parse(result.stdout) as { name: string; detail: string }[]).find(
        (check) => check.name === 'spool',
      );
      assert.match(
        spool?.detail ?? '',
        /no status file yet .*spools of other services: checkout /,
        JSON.stringify(spool),
      );
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  });

  test('a bad setting is named with the accepted values; a listening collector passes', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const result = await runCli(['doctor', '--json'], {
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'sometimes',
      });
      const checks = JSON.parse(result.stdout) as { name: string; status: string; detail: string; fix?: string }[];
      assert.equal(result.code, 1);
      const config = checks.find((check) => check.name === 'configuration')!;
      assert.equal(config.status, 'fail');
      assert.match(
        config.detail,
        /^OTEL_TRACES_SAMPLER="sometimes" is not valid: accepted values are always_on, always_off, traceidratio/,
      );
      assert.equal(config.fix, 'fix or unset OTEL_TRACES_SAMPLER (the default is used meanwhile)');
      assert.equal(checks.find((check) => check.name === 'OTLP endpoint')!.status, 'ok');
      assert.ok(!existsSync(join(folder, 'nothing')));
    } finally {
      await receiver.close();
    }
  });
});
