// `npm run release:check`: what a release needs, in order. Stops at the first failure.
//   1. the file list `npm pack` would publish (its prepack script builds dist/ first)
//   2. the install test: the tarball installed into scratch apps and run there (test/install)
//   3. `npm publish --dry-run`: the registry's own checks of the manifest, nothing uploaded
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const node22 = join(root, 'node_modules/node/bin/node');
// npm runs under Node 22 whatever node is first on the PATH (the package needs 22.15 or later to build and run).
const env = { ...process.env, PATH: `${join(root, 'node_modules/node/bin')}:${process.env.PATH ?? ''}` };

function step(title, command, args) {
  console.log(`\n# ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`release:check failed at: ${title}`);
    process.exit(result.status ?? 1);
  }
}

step('Files in the package', 'npm', ['pack', '--dry-run']);
step('Install test', node22, [
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=1',
  'test/install/package.test.ts',
]);
step('Publish (dry run)', 'npm', ['publish', '--dry-run']);
console.log('\nrelease:check passed');
