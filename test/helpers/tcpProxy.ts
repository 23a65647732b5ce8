// A TCP proxy in front of a server, to break connections the way networks do: refuse
// them, cut them, or lose a server's answer after the server has acted on the request.
import net from 'node:net';

export interface TcpProxy {
  url: string;
  /** 'refuse' resets every new connection at once (the server looks unreachable). */
  mode: 'pass' | 'refuse';
  /** How many answers were lost by `loseAnswers`. */
  lost: number;
  /**
   * The next `count` connections forward their request, then are reset as the server's
   * answer starts. Like `answerUnavailable`, it first closes the open connections (and
   * gives their clients a moment to notice), so that the next request opens a new one.
   */
  loseAnswers(count: number): Promise<void>;
  /** The next `count` connections are answered `503 Service Unavailable` with `Retry-After: <seconds>`, as a busy load balancer does. */
  answerUnavailable(count: number, retryAfterSeconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
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
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    if (answersToLose > 0) {
      answersToLose--;
      upstream.once('data', () => {
        proxy.lost++;
        client.resetAndDestroy();
      });
    } else {
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${port}`,
    mode: 'pass',
    lost: 0,
    async loseAnswers(count) {
      answersToLose = count;
      await closeAll();
    },
    async answerUnavailable(count, retryAfterSeconds) {
      unavailable = { count, retryAfterSeconds };
      await closeAll();
    },
    async close() {
      await closeAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return proxy;
}
