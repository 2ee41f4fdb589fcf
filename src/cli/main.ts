// The `genai-otel` executable (package.json "bin"), built to dist/cli/genai-otel.js.
import { createProgram } from './program.ts';

// `genai-otel export | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

await createProgram().parseAsync(process.argv);
