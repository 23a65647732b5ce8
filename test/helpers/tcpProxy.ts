// A TCP proxy in front of a server, to break connections the way networks do: refuse
// them, cut them, or lose a server's answer after the server has acted on the request.
import net from 'node:net';

export interface TcpProxy {
  url: string;
  /** 'refuse' resets every new connection at once (the server looks unreachable). */
  mode: 'pass' | 'refuse';
  /** How many answers were lost by `loseAnswers`. */
  lost: number;
  /** Bytes the server sent to clients through the proxy (headers and bodies, as on the wire). */
  bytesDown: number;
  /**
   * The next `count` connections forward their request, then are reset as the server's
   * answer starts. Like `answerUnavailable`, it first closes the open connections (and
   * gives their clients a moment to notice), so that the next request opens a new one.
   */
  loseAnswers(count: number): Promise<void>;
  /** The next `count` connections are answered `503 Service Unavailable` with `Retry-After: <seconds>`, as a busy load balancer does. */
  answerUnavailable(count: number, retryAfterSeconds: number): Promise<void>;
  /** New connections are passed on again (ends `answerUnavailable`). */
  answerNormally(): void;
  /**
   * The network goes silent: open connections stop carrying bytes either way, without
   * being closed, and new ones hang unanswered (a dead NAT mapping, a phone changing
   * networks). `thaw()` lets new connections through again; the silent ones stay silent,
   * as connections a NAT forgot do, until `close()`.
   */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  const silent = new Set<net.Socket>();
  let frozen = false;
  let answersToLose = 0;
  let unavailable = { count: 0, retryAfterSeconds: 0 };
  const closeAll = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
  };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (proxy.mode === 'refuse') return void client.resetAndDestroy();
    if (frozen) {
      client.pause();
      return void silent.add(client);
    }
    if (unavailable.count > 0) {
      unavailable.count--;
      const { retryAfterSeconds } = unavailable;
      return void client.once('data', () =>
        client.end(
          `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfterSeconds}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ),
      );
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => {});
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    client.pipe(upstream);
    if (answersToLose > 0) {
      answersToLose--;
      upstream.once('data', () => {
        proxy.lost++;
        client.resetAndDestroy();
      });
    } else {
      upstream.on('data', (chunk: Buffer) => {
        proxy.bytesDown += chunk.length;
      });
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    mode: 'pass',
    lost: 0,
    bytesDown: 0,
    async loseAnswers(count) {
      answersToLose = count;
      await closeAll();
    },
    async answerUnavailable(count, retryAfterSeconds) {
      unavailable = { count, retryAfterSeconds };
      await closeAll();
    },
    answerNormally() {
      unavailable = { count: 0, retryAfterSeconds: 0 };
    },
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        silent.add(client);
      }
    },
    thaw() {
      frozen = false;
    },
    async close() {
      for (const socket of silent) socket.destroy();
      silent.clear();
      await closeAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return proxy;
}
