// The model thread's entry (model-thread.ts): loads the TypeScript providers and serves the calls sent to it.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveModelCalls } = await import('./model-thread-calls.ts');
serveModelCalls(parentPort);
// The openai SDK and undici came with that import: what warm() (model-thread.ts) waits for.
parentPort.postMessage({ loaded: true });
