/**
 * A pipeline's first screen waits for its latest version. Asked for only once the canvas's
 * scripts have loaded and run, it would wait for their evaluation too (~0.4 s of a 1,000-node
 * pipeline's first paint on a slow machine), so main.tsx asks as the page starts, and the API
 * client takes that answer for its first read of the same URL. Later reads go to the network.
 */
const early = new Map<string, Promise<Response>>();

const keyOf = (url: string) => new URL(url, globalThis.location?.href).href;

export function fetchEarly(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = fetch(url, { headers: { accept: 'application/json', ...headers } });
  response.catch(() => {}); // a failure is the taker's to report, not an unhandled rejection
  early.set(keyOf(url), response);
  return response;
}

/** The early answer for `url` (absolute, or relative to the page), once; undefined when there is none (or it was taken). */
export function takeEarly(url: string): Promise<Response> | undefined {
  if (early.size === 0) return undefined;
  const key = keyOf(url);
  const response = early.get(key);
  early.delete(key);
  return response;
}
