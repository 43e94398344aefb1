// The OpenAI-compatible stub in its own process, so its work does not share our event loop or promptfoo's.
// Prints its base URL on the first line of stdout; ends with its parent's stdin.
import { startOpenAIStub } from '../../test/support/openai-stub';

const latencyMs = Number(process.argv[2] ?? 50);
const stub = await startOpenAIStub({ latencyMs });
process.stdout.write(`${stub.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void stub.close().then(() => process.exit(0)));
