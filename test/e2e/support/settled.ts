import type { EditorSession } from './session';

type Api = EditorSession['api'];

/** Waits (10 s at most) until the run or eval at `path` is no longer running. */
export async function settled(api: Api, path: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if ((await api('GET', path)).status !== 'running') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} did not finish`);
}

/** Starts an eval (the body of POST /api/evals) and waits until it has ended; its id. */
export async function finishedEval(api: Api, body: Record<string, unknown>): Promise<string> {
  const { id } = await api('POST', '/api/evals', body);
  await settled(api, `/api/evals/${id}`);
  return id;
}
