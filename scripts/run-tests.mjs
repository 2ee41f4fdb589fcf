// `npm test`: runs the suites with Node's test runner on every supported Node line installed as a devDependency
// (node@22 is `node` in node_modules/.bin, node@24 lives in node_modules/node24), then the install test once on
// Node 22 (it packs the repository and installs the tarball into scratch apps; their preload runs on both lines),
// then the end-to-end suite against the real collector, Jaeger and Prometheus when they are installed
// (scripts/stack.sh install) or required (GENAI_OTEL_E2E=1, as .ci/run sets).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runtimes = [
  { label: 'Node 22', bin: join(root, 'node_modules/node/bin/node') },
  { label: 'Node 24', bin: join(root, 'node_modules/node24/bin/node') },
];
// Another Node binary to run the suites on as well (say Node 26, `npm install --prefix /tmp/n26 node@26`).
if (process.env.GENAI_OTEL_TEST_EXTRA_NODE)
  runtimes.push({ label: 'extra Node', bin: process.env.GENAI_OTEL_TEST_EXTRA_NODE });

function testFiles(directory) {
  const found = [];
  for (const entry of readdirSync(join(root, directory))) {
    const path = join(directory, entry);
    if (statSync(join(root, path)).isDirectory()) found.push(...testFiles(path));
    else if (/\.test\.(ts|mjs|cjs|js)$/.test(entry)) found.push(path);
  }
  return found.sort();
}

const only = process.argv.slice(2);
const suites =
  only.length > 0
    ? only
    : [
        'test/unit',
        'test/privacy',
        'test/preload',
        'test/support',
        'packages/mock-otlp-receiver/test',
        'test/docs',
        'test/architecture',
        'test/install',
      ];
const allFiles = suites.flatMap((suite) =>
  suite.endsWith('.ts') || suite.endsWith('.mjs') ? [suite] : testFiles(suite),
);
// About installation, not about a Node line: run once, after the others.
const isInstallTest = (file) => file.replace(/\\/g, '/').includes('test/install/');
const files = allFiles.filter((file) => !isInstallTest(file));
const installFiles = allFiles.filter(isInstallTest);

let failed = false;
for (const runtime of runtimes) {
  if (!existsSync(runtime.bin)) {
    console.error(`${runtime.label} is missing at ${runtime.bin}: run npm install`);
    failed = true;
    continue;
  }
  if (files.length === 0) continue;
  console.log(
    `\n# ${runtime.label} (${spawnSync(runtime.bin, ['--version']).stdout.toString().trim()}): ${files.length} test files`,
  );
  const result = spawnSync(runtime.bin, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, GENAI_OTEL_TEST_NODE: runtime.bin },
  });
  if (result.status !== 0) failed = true;
}

if (installFiles.length > 0 && existsSync(runtimes[0].bin)) {
  console.log(`\n# Install test on ${runtimes[0].label}: npm pack, then scratch apps installed from the tarball`);
  const result = spawnSync(
    runtimes[0].bin,
    ['--test', '--test-reporter=spec', '--test-concurrency=1', ...installFiles],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  if (result.status !== 0) failed = true;
}

const stackInstalled =
  existsSync(join(root, '.stack/bin/otelcol-genai')) && existsSync(join(root, '.stack/bin/jaeger'));
if (only.length === 0 && (process.env.GENAI_OTEL_E2E === '1' || stackInstalled) && existsSync(join(root, 'test/e2e'))) {
  console.log('\n# End to end (real collector, Jaeger, Prometheus) on Node 22');
  const e2e = testFiles('test/e2e');
  const result = spawnSync(runtimes[0].bin, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...e2e], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) failed = true;
} else if (only.length === 0) {
  console.log(
    '\n# End-to-end suite skipped: the stack is not installed (bash scripts/stack.sh install, or GENAI_OTEL_E2E=1 to require it)',
  );
}
process.exit(failed ? 1 : 0);
