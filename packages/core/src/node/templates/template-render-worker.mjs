// A worker thread that renders Liquid templates for template-renderer.ts, with the same engine
// (nodes/template-variables.ts: own properties only, no files, the same limits) as the main thread.
// The sources are TypeScript, so the worker loads them through tsx as the CLI does.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { renderWithin } = await import('../../nodes/template-variables.ts');

parentPort.on('message', ({ id, source, variables, limitMs }) => {
  try {
    parentPort.postMessage({ id, text: renderWithin(source, variables, limitMs) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });
