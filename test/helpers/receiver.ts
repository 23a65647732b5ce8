// A real HTTP endpoint for webhook tests: it records every request and answers
// however the test says (status, headers, delay), and can go down and come back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';

export interface ReceivedRequest {
  id: string;
  timestamp: string;
  signature: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The parsed body. */
  event: { type: string; timestamp: string; data: Record<string, unknown> };
  receivedAt: number;
  /** The client's port: requests on one kept-alive connection share it. */
  remotePort: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this many ms. */
  delayMs?: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Most requests it was answering at the same time. */
  maxConcurrent: number;
  /** How to answer the next request (called for each one; default 200). */
  reply: (request: ReceivedRequest, index: number) => Reply;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops listening (connections are dropped): the endpoint is down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook', port = 0): Promise<Receiver> {
  let server: Server;
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    port: 0,
    requests: [],
    maxConcurrent: 0,
    reply: () => ({ status: 200 }),
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (receiver.requests.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(receiver.requests);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`receiver got ${receiver.requests.length} of ${count} requests in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    async up() {
      server = listen();
      await new Promise<void>((resolve) => server.listen(receiver.port, '127.0.0.1', resolve));
    },
    close: () => receiver.down(),
  };

  let concurrent = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    concurrent++;
    receiver.maxConcurrent = Math.max(receiver.maxConcurrent, concurrent);
    res.once('close', () => concurrent--);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        headers: req.headers,
        body,
        event: JSON.parse(body),
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort ?? 0,
      };
      const index = receiver.requests.length;
      receiver.requests.push(request);
      const reply = receiver.reply(request, index);
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
      for (const waiter of [...waiters]) waiter();
    });
  };
  const listen = () => createServer(handle);
  server = listen();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}${path}`;
  return receiver;
}

/** Verifies a request with the `standardwebhooks` package; throws when the signature does not match. */
export function verify(secret: string, request: ReceivedRequest): unknown {
  return new StandardWebhook(secret).verify(request.body, {
    'webhook-id': request.id,
    'webhook-timestamp': request.timestamp,
    'webhook-signature': request.signature,
  });
}
