// A local JSON-over-HTTP server for the vector-store clients (Pinecone, Qdrant, Chroma): each test gives the routes
// it needs, written from the store's public REST reference, and reads back what the client sent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoreRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface StoreReply {
  status?: number;
  body: unknown;
}

/** Answers one request; undefined is a 404 (the client's own "not found" path). */
export type StoreRoute = (request: StoreRequest) => StoreReply | undefined;

export interface FakeVectorStore {
  url: string;
  port: number;
  requests: StoreRequest[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with a free port. */
export async function startFakeVectorStore(route: StoreRoute): Promise<FakeVectorStore> {
  const requests: StoreRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request: StoreRequest = {
        method: incoming.method ?? 'GET',
        path: (incoming.url ?? '/').split('?')[0]!,
        body,
      };
      requests.push(request);
      const reply = route(request) ?? {
        status: 404,
        body: { error: `no route for ${request.method} ${request.path}` },
      };
      const payload = JSON.stringify(reply.body);
      response.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
