/** The oldest Node.js genai-otel runs on: the OpenTelemetry JS 3.x packages it bundles need it (package.json engines). */
export const MINIMUM_NODE = '22.15.0';

function isOlder(version: string, minimum: string): boolean {
  const found = version.split('.').map(Number);
  const needed = minimum.split('.').map(Number);
  for (let index = 0; index < needed.length; index += 1) {
    const difference = (found[index] ?? 0) - (needed[index] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}

/**
 * The one line to print when this Node.js is older than genai-otel needs, else undefined. The preload entries and the
 * CLI check it before loading anything else: on an older Node they would fail with a stack trace, or worse run and
 * silently write nothing.
 *
 * @example
 * const problem = unsupportedNodeMessage(process.versions.node, 'the application runs without telemetry');
 * if (problem !== undefined) process.stderr.write(`${problem}\n`);
 */
export function unsupportedNodeMessage(version: string, consequence: string): string | undefined {
  if (!isOlder(version, MINIMUM_NODE)) return undefined;
  return `genai-otel: Node.js ${version} is not supported (genai-otel needs Node.js ${MINIMUM_NODE} or later); ${consequence}`;
}
