import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local webhook receiver on 127.0.0.1 that keeps the JSON bodies posted to it; `failFirst` answers 500 to that many posts before accepting. */
export async function startWebhook(failFirst = 0) {
  const received: Record<string, unknown>[] = [];
  let failures = failFirst;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
        return;
      }
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

export type Webhook = Awaited<ReturnType<typeof startWebhook>>;
