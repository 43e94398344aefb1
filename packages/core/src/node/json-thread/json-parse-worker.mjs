// A worker thread for json-parse-thread.ts: parses (and checks) a JSON text and sends it back cut into
// slices the main thread can take a turn at a time. The sources are TypeScript, loaded through tsx as the CLI does.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { checkedParse } = await import('./checked-parse.ts');
const { sliceJson } = await import('./json-slices.ts');

parentPort.on('message', ({ id, text, checks }) => {
  try {
    const parsed = checkedParse(text, checks);
    parentPort.postMessage('value' in parsed ? { id, slices: sliceJson(parsed.value) } : { id, refused: parsed });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
parentPort.postMessage({ ready: true });
