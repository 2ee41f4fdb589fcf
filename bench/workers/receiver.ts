// A bench OTLP/HTTP receiver in a process of its own: it answers every export at once (200, empty body) and keeps
// the raw bodies, decoding them only when asked (`count`), so that neither its CPU nor its speed weighs on the apps
// being measured. Driven over IPC: `count` (spans, and distinct bench.seq values, of a service), `behave` ({ hang }),
// `reset`, `close`. Usage: node bench/workers/receiver.ts [port]
import http from 'node:http';
import type { Socket } from 'node:net';
import protobuf from 'protobufjs';
import { otlpDescriptor, OTLP_TYPES } from '@genai-otel/mock-otlp-receiver/otlp-descriptor';

const traceRequest = protobuf.Root.fromJSON(otlpDescriptor).lookupType(OTLP_TYPES.traceRequest);

interface Body {
  json: boolean;
  bytes: Buffer;
}
let bodies: Body[] = [];
let hang = false;
const sockets = new Set<Socket>();

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (hang) return; // read, never answered
    if (request.url === '/v1/traces')
      bodies.push({ json: String(request.headers['content-type']).includes('json'), bytes: Buffer.concat(chunks) });
    response.writeHead(200, { 'content-type': String(request.headers['content-type'] ?? 'application/x-protobuf') });
    response.end(String(request.headers['content-type']).includes('json') ? '{}' : undefined);
  });
});
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
server.keepAliveTimeout = 60_000;

interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string | number };
}
interface TraceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { spans?: { attributes?: KeyValue[] }[] }[];
  }[];
}

function count(service: string): { spans: number; distinct: number } {
  let spans = 0;
  const sequences = new Set<string>();
  for (const body of bodies) {
    const decoded = (
      body.json
        ? JSON.parse(body.bytes.toString('utf8'))
        : traceRequest.toObject(traceRequest.decode(body.bytes), { longs: String })
    ) as TraceRequest;
    for (const resourceSpans of decoded.resourceSpans ?? []) {
      const name = resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value
        ?.stringValue;
      if (name !== service) continue;
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans++;
          const sequence = span.attributes?.find((attribute) => attribute.key === 'bench.seq')?.value?.intValue;
          if (sequence !== undefined) sequences.add(String(sequence));
        }
      }
    }
  }
  return { spans, distinct: sequences.size };
}

type Command =
  | { id: number; cmd: 'count'; service: string }
  | { id: number; cmd: 'behave'; behaviour: { hang?: boolean } }
  | { id: number; cmd: 'reset' }
  | { id: number; cmd: 'close' };

process.on('message', (message: Command) => {
  if (message.cmd === 'count') process.send!({ id: message.id, ...count(message.service) });
  else if (message.cmd === 'behave') {
    hang = message.behaviour.hang === true;
    process.send!({ id: message.id });
  } else if (message.cmd === 'reset') {
    bodies = [];
    process.send!({ id: message.id });
  } else if (message.cmd === 'close') {
    for (const socket of sockets) socket.destroy();
    server.close(() => {
      process.send!({ id: message.id });
      process.exit(0);
    });
  }
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () =>
  process.send!({ ready: (server.address() as { port: number }).port }),
);
