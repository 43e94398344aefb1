import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local webhook receiver on 127.0.0.1 that keeps the JSON bodies posted to it; `failFirst` answers 500 to
 * that many posts before accepting. With `hold` (or after `hold()`), it answers nothing until `release()` (a receiver that
 * hangs), and counts the posts it holds at once in `maxHeld`.
 */
export async function startWebhook(failFirst = 0, options: { hold?: boolean } = {}) {
  const received: Record<string, unknown>[] = [];
  const held: (() => void)[] = [];
  let holding = options.hold === true;
  let failures = failFirst;
  const state = { maxHeld: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end();
        return;
      }
      const answer = () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      };
      if (!holding) return answer();
      held.push(answer);
      state.maxHeld = Math.max(state.maxHeld, held.length);
      res.on('close', () => held.includes(answer) && held.splice(held.indexOf(answer), 1));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Posts held now (answered by nothing yet). */
    get held() {
      return held.length;
    },
    get maxHeld() {
      return state.maxHeld;
    },
    /** Holds the posts from now on, until `release()`. */
    hold() {
      holding = true;
    },
    /** Answers the posts held so far, and every later one at once. */
    release() {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

export type Webhook = Awaited<ReturnType<typeof startWebhook>>;
