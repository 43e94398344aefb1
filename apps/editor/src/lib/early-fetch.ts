/**
 * A pipeline's first screen waits for its latest version. Asked for only once the canvas's
 * scripts have loaded and run, it would wait for their evaluation too (~0.4 s of a 1,000-node
 * pipeline's first paint on a slow machine), so main.tsx asks as the page starts, and the API
 * client takes that answer for its first read of the same path. Later reads go to the network.
 */
const early = new Map<string, Promise<Response>>();

export function fetchEarly(path: string): Promise<Response> {
  const response = fetch(path, { headers: { accept: 'application/json' } });
  response.catch(() => {}); // a failure is the taker's to report, not an unhandled rejection
  early.set(path, response);
  return response;
}

/** The early answer for `path`, once; undefined when there is none (or it was taken). */
export function takeEarly(path: string): Promise<Response> | undefined {
  const response = early.get(path);
  early.delete(path);
  return response;
}
