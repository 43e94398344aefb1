import http from 'node:http';

/**
 * The floor: the same requests from a bare node:http keep-alive client at the
 * same concurrency, no SDK, no engine, no eval. What the machine and the stub
 * allow right now; the distance to it is ours.
 */
export async function runHttpFloor(options: { stubUrl: string; questions: string[]; concurrency: number }): Promise<{ seconds: number; answered: number }> {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(`${options.stubUrl}/chat/completions`);
  const ask = (question: string) =>
    new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: question }], temperature: 0 });
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).choices[0].message.content));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  let answered = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < options.questions.length) {
      const question = options.questions[next++];
      if ((await ask(question)) === question) answered++;
    }
  }));
  const seconds = (performance.now() - t) / 1000;
  agent.destroy();
  return { seconds, answered };
}
