// The HTML report (`genai-otel report --html`) opened in a real headless Chromium: it renders the figures of the run,
// its charts are to scale, it fits the window without a horizontal scroll bar, and it loads nothing from anywhere.
// Needs Debian's chromium (apt-get install -y chromium): without it the test is skipped, except in CI
// (CI=true or GENAI_OTEL_E2E=1), where that is a failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runCli, runSupportAgent } from '../support/support-agent.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const REQUIRED = process.env.GENAI_OTEL_E2E === '1' || (process.env.CI !== undefined && process.env.CI !== 'false');
if (CHROMIUM === undefined && REQUIRED)
  throw new Error('Chromium is required in CI for the HTML report test: apt-get install -y chromium');
const SKIP = CHROMIUM === undefined ? 'Chromium is not installed (apt-get install -y chromium)' : false;

/** Flags for a root user on a machine with no network, as Debian's Chromium needs them headless. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

describe('the HTML report in headless Chromium', { skip: SKIP }, () => {
  let folder: string;
  let reportUrl: string;
  let report: {
    requests: number;
    costUsd: number;
    byModel: { model: string; costUsd: number }[];
    feedback: { likes: number; dislikes: number };
  };
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'genai-otel-html-'));
    const env: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(process.env))
      if (!/^(OTEL_|GENAI_OTEL_|OPENAI_|DEMO_)/.test(key)) env[key] = value;
    Object.assign(env, {
      OTEL_SERVICE_NAME: 'html-report-test',
      OTEL_TRACES_EXPORTER: 'file',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'file',
      GENAI_OTEL_FILE_DIR: folder,
      GENAI_OTEL_PROMETHEUS_URL: 'http://127.0.0.1:9',
      GENAI_OTEL_JAEGER_URL: 'http://127.0.0.1:9',
    });
    const agent = await runSupportAgent(env);
    assert.equal(agent.code, 0, agent.stderr);
    const html = join(folder, 'report.html');
    const written = await runCli(['report', '--html', html, '--json'], env);
    assert.equal(written.code, 0, written.stderr);
    report = JSON.parse(written.stdout);
    reportUrl = pathToFileURL(html).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(reportUrl);
  });

  after(async () => {
    await browser?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  test("shows the run's figures in its tiles", async () => {
    assert.equal(await page.title(), 'genai-otel report');
    const tiles = await page
      .locator('.tile')
      .evaluateAll((elements) =>
        elements.map((element) => [
          element.querySelector('.label')!.textContent,
          element.querySelector('.value')!.textContent,
        ]),
      );
    assert.equal(tiles.length, 12);
    const byLabel = Object.fromEntries(tiles);
    assert.equal(byLabel['LLM requests'], String(report.requests));
    assert.equal(byLabel['Liked / disliked'], `${report.feedback.likes} / ${report.feedback.dislikes}`);
    assert.match(byLabel['Latency p95'], /^\d+ ms$|^\d+\.\d\d s$/);
    assert.match(byLabel.Cost, /^\$0\.0\d+$/);
    for (const section of ['cost-by-model', 'cost-by-hour', 'tools', 'retries', 'operations']) {
      const box = await page.locator(`#${section}`).boundingBox();
      assert.ok(box !== null && box.height > 40 && box.width > 300, `#${section} is laid out (${JSON.stringify(box)})`);
    }
  });

  test('draws the cost bars to scale, one per model', async () => {
    const bars = await page
      .locator('#cost-by-model svg rect.bar')
      .evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().width));
    assert.equal(bars.length, report.byModel.length);
    const [first, second] = report.byModel;
    assert.ok(first!.costUsd > second!.costUsd);
    const expected = (second!.costUsd / first!.costUsd) * bars[0]!;
    assert.ok(
      Math.abs(bars[1]! - Math.max(2, expected)) < 1.5,
      `bar widths ${bars} for costs ${first!.costUsd}, ${second!.costUsd}`,
    );
    const rows = await page.locator('#cost-by-model tbody tr').count();
    assert.equal(rows, report.byModel.length);
  });

  test('fits a desktop and a narrow window without a horizontal scroll bar, and loads nothing else', async () => {
    for (const width of [1280, 640]) {
      await page.setViewportSize({ width, height: 900 });
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `${overflow} px too wide at ${width} px`);
    }
    assert.deepEqual(requests, [reportUrl]);
    assert.deepEqual(consoleErrors, []);
    const png = await page.screenshot({ fullPage: true });
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 20_000, `a real picture, not a blank page (${png.length} bytes)`);
    assert.ok(readFileSync(new URL(reportUrl)).length < 60_000, 'the page stays small');
  });
});
