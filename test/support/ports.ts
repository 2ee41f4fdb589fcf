import { createServer } from 'node:net';

/**
 * A local port nothing listens on (a collector that is away): bound once to get a free number, then closed.
 *
 * @example
 * const endpoint = `http://127.0.0.1:${await closedPort()}`;
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
