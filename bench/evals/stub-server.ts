// The OpenAI-compatible stub in its own process, so its work does not share our event loop or promptfoo's.
// Prints its base URL on the first line of stdout; answers each `count` line on stdin with the number of
// chat requests served so far (so the bench can check every runner really sent every case); ends with
// its parent's stdin.
import { createInterface } from 'node:readline';
import { startOpenAIStub } from '../../test/support/openai-stub';

const latencyMs = Number(process.argv[2] ?? 50);
// Counts only: a stub that kept 8,000 requests would slow (its GC) as the runs go on, billing later runners.
const stub = await startOpenAIStub({ latencyMs, keepRequests: false });
process.stdout.write(`${stub.url}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${stub.served.get('/v1/chat/completions') ?? 0}\n`);
});
lines.on('close', () => void stub.close().then(() => process.exit(0)));
