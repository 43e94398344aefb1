import net from 'node:net';

/**
 * A free TCP port on 127.0.0.1: the OS picks it and it is closed again before
 * the caller's process (redis-server, postgres, prometheus, a runner) binds it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
