// The V8 flags of the reading commands' child process (cli.ts), in a module of their own so that the bench and the
// tests run the commands with exactly what users get.

/**
 * V8 grows the young generation up to 3 × 64 MiB when much survives a scavenge (the spans of traces still open), and
 * keeps it: a 1M-span read then sat at 375 MB RSS with 120 MB live. 4 MiB semi-spaces keep it near 200 MB and are
 * faster on these reads (fewer pages touched).
 *
 * The old generation: these reads keep 20 to 40 MB alive while promoting hundreds of MB that die soon after (a
 * session's record between two moves to disk, the spans of traces still open), and V8 then lets the heap grow to four
 * or five times the live size before a full collection (150 to 180 MB on 10M spans), keeping the freed pages pooled.
 * Growing by at most 2× (`--heap-growing-percent=100`) took `sessions` over 4M spans from 226 to 164 MB for about
 * 5 % more CPU; `--optimize-for-size` reached 143 MB but doubled the CPU time.
 *
 * @example
 * spawn(process.execPath, [...READING_FLAGS, 'dist/cli/genai-otel.js', 'report']);
 */
export const READING_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=100'];
