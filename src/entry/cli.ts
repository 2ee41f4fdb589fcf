// The `genai-otel` executable (package.json "bin"), built to dist/cli/genai-otel.js. Its `#!/usr/bin/env node` runs
// whatever Node is first on the PATH: an older one is told so, before the commands (a chunk of their own) are loaded.
import { unsupportedNodeMessage } from './node-version.ts';

const problem = unsupportedNodeMessage(process.versions.node, 'install a newer Node.js, or put it first on the PATH');
if (problem === undefined) {
  await import('../cli/main.ts');
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
