// Regenerates the README's pictures in docs/ from a running stack: starts the bundled stack on free ports, runs
// `npm run demo`'s script against it twice, waits for Prometheus, then renders with headless Chromium
// (Debian's chromium, driven by playwright-core):
//   docs/report-html.png  `genai-otel report --source prometheus --html`, the static dashboard
//   docs/cli-report.png   `genai-otel report` in a terminal (from Prometheus)
//   docs/cli-traces.png   `genai-otel traces --limit 1` in a terminal (from Jaeger)
// PNGs are shrunk with pngquant when it is installed. Run: npm run build && node scripts/screenshots.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { makeStack, poll, startStack, stopStack } from '../test/e2e/support/stack.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = join(root, 'docs');
const cli = join(root, 'dist', 'cli', 'genai-otel.js');
const work = mkdtempSync(join(tmpdir(), 'genai-otel-screenshots-'));
const service = 'support-assistant';
mkdirSync(docs, { recursive: true });

const COLOURS = { 31: '#ff7b72', 32: '#7ee787', 33: '#e3b341', 36: '#79c0ff' };

/** The few SGR codes the CLI writes (bold, dim, four colours, their resets) as HTML spans. */
function ansiToHtml(text) {
  const escaped = text.replace(/[&<>]/g, (char) => `&#${char.charCodeAt(0)};`);
  let open = 0;
  // eslint-disable-next-line no-control-regex
  const html = escaped.replace(/\x1b\[(\d+)m/g, (_match, code) => {
    const n = Number(code);
    if (n === 1 || n === 2 || COLOURS[n]) {
      open++;
      return `<span style="${n === 1 ? 'font-weight:700' : n === 2 ? 'opacity:.6' : `color:${COLOURS[n]}`}">`;
    }
    if ((n === 22 || n === 39) && open > 0) {
      open--;
      return '</span>';
    }
    return '';
  });
  return html + '</span>'.repeat(open);
}

function terminalPage(command, output) {
  return (
    `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#0d1117"><pre style="margin:0;padding:18px 22px;font:13px/1.45 'DejaVu Sans Mono',monospace;color:#e6edf3;display:inline-block">` +
    `<span style="color:#7ee787">$</span> ${ansiToHtml(command)}\n${ansiToHtml(output)}</pre></body>`
  );
}

function run(args, env) {
  const result = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

async function shoot(browser, url, path, width) {
  const page = await browser.newPage({ viewport: { width, height: 600 } });
  await page.goto(url);
  const box = await page.locator('body > *').first().boundingBox();
  await page.screenshot({
    path,
    fullPage: true,
    clip: url.includes('terminal')
      ? { x: 0, y: 0, width: Math.ceil(box.width), height: Math.ceil(box.height) }
      : undefined,
  });
  await page.close();
  spawnSync('pngquant', ['--force', '--skip-if-larger', '--quality', '60-85', '--output', path, path]);
  console.log(`wrote ${path}`);
}

const stack = await makeStack('screenshots');
try {
  await startStack(stack);
  const env = {
    ...stack.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttp,
    GENAI_OTEL_JAEGER_URL: stack.jaeger,
    GENAI_OTEL_PROMETHEUS_URL: stack.prometheus,
    OTEL_SERVICE_NAME: service,
    GENAI_OTEL_SPOOL_DIR: join(work, 'spool'),
    GENAI_OTEL_FILE_DIR: join(work, 'files'),
    FORCE_COLOR: '1',
  };
  for (const seed of ['7', '11']) run([join(root, 'scripts', 'demo.mjs')], { ...env, DEMO_SEED: seed });
  await poll(
    'both demo runs in Prometheus',
    async () => {
      const body = await (
        await fetch(
          `${stack.prometheus}/api/v1/query?${new URLSearchParams({ query: `sum(gen_ai_client_inference_duration_seconds_count{service_name="${service}"})` })}`,
        )
      ).json();
      return Number(body.data.result[0]?.value[1]) >= 56;
    },
    { timeoutMs: 60_000 },
  );
  const value = async (query) =>
    Number(
      (await (await fetch(`${stack.prometheus}/api/v1/query?${new URLSearchParams({ query })}`)).json()).data.result[0]
        ?.value[1],
    );
  await poll(
    "both runs' feedback and span metrics in Prometheus",
    async () =>
      (await value(`sum(genai_otel_feedback_likes_total{service_name="${service}"})`)) >= 8 &&
      (await value(`sum(traces_span_metrics_calls_total{service_name="${service}",span_name="chat gpt-4o"})`)) >= 14,
    { timeoutMs: 60_000 },
  );

  const html = join(work, 'report.html');
  run([cli, 'report', '--source', 'prometheus', '--service', service, '--since', '1h', '--html', html], env);
  const reportText = run(
    [cli, 'report', '--source', 'prometheus', '--service', service, '--since', '1h', '--color'],
    env,
  );
  const tracesText = run([cli, 'traces', '--source', 'jaeger', '--service', service, '--limit', '1', '--color'], env);
  writeFileSync(join(work, 'terminal-report.html'), terminalPage('genai-otel report --since 1h', reportText));
  writeFileSync(join(work, 'terminal-traces.html'), terminalPage('genai-otel traces --limit 1', tracesText));

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    await shoot(browser, pathToFileURL(html).href, join(docs, 'report-html.png'), 1100);
    await shoot(browser, pathToFileURL(join(work, 'terminal-report.html')).href, join(docs, 'cli-report.png'), 1000);
    await shoot(browser, pathToFileURL(join(work, 'terminal-traces.html')).href, join(docs, 'cli-traces.png'), 1000);
  } finally {
    await browser.close();
  }
} finally {
  await stopStack(stack);
  rmSync(work, { recursive: true, force: true });
}
