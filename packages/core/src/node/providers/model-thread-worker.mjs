// The model thread's entry (model-thread.ts): loads the TypeScript providers and serves the calls sent to it.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { serveModelCalls } = await import('./model-thread-calls.ts');
serveModelCalls(parentPort);
