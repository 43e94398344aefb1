/**
 * The editor's addresses. The runner answers every unknown path with
 * index.html, so these survive a reload and can be shared:
 *   /                                  the pipelines list
 *   /pipelines/NAME                    the latest version, editable
 *   /pipelines/NAME?draft=1            a new pipeline not saved yet (its first save makes version 1)
 *   /pipelines/NAME?version=N          version N (read-only unless it is the latest)
 *   /pipelines/NAME?diff=A..B          version A against version B on the canvas
 *   (a version or diff that is not version numbers is the route's `problem`, said on the page)
 *   /pipelines/NAME?run=ID             a past run on the canvas
 *   /pipelines/NAME?via=A,B            opened from a `pipeline` node of A (itself opened from B): breadcrumb back
 *   /pipelines/NAME/evals?eval=ID      the pipeline's evals, one result shown
 *   /pipelines/NAME/compare?a=ID&b=ID  eval A (baseline) against eval B
 *   /pipelines/NAME/deploy             labels, the Deploy panel, the deployment history, call snippets
 *   /pipelines/NAME/monitoring?range=7d&by=label   production over time (monitoring/MonitoringPage)
 */
export type Route =
  | { page: 'list' }
  | { page: 'pipeline'; name: string; version?: number; diff?: { from: number; to: number }; run?: string; via?: string[]; draft?: boolean; problem?: string }
  | { page: 'evals'; name: string; eval?: string }
  | { page: 'compare'; name: string; a?: string; b?: string }
  | { page: 'deploy'; name: string }
  | { page: 'monitoring'; name: string; range?: MonitoringRange; by?: 'version' | 'label' };

export const MONITORING_RANGES = ['1h', '24h', '7d', '30d'] as const;
export type MonitoringRange = (typeof MONITORING_RANGES)[number];

export function parseRoute(pathname: string, search: string): Route {
  const deploy = /^\/pipelines\/([^/]+)\/deploy\/?$/.exec(pathname);
  if (deploy) return { page: 'deploy', name: decodeURIComponent(deploy[1]) };
  const monitoring = /^\/pipelines\/([^/]+)\/monitoring\/?$/.exec(pathname);
  if (monitoring) {
    const params = new URLSearchParams(search);
    const route: Route = { page: 'monitoring', name: decodeURIComponent(monitoring[1]) };
    const range = params.get('range');
    if (MONITORING_RANGES.some((r) => r === range)) route.range = range as MonitoringRange;
    const by = params.get('by');
    if (by === 'version' || by === 'label') route.by = by;
    return route;
  }
  const evals = /^\/pipelines\/([^/]+)\/(evals|compare)\/?$/.exec(pathname);
  if (evals) {
    const params = new URLSearchParams(search);
    const name = decodeURIComponent(evals[1]);
    const pick = (key: string) => params.get(key) || undefined;
    return evals[2] === 'evals' ? { page: 'evals', name, eval: pick('eval') } : { page: 'compare', name, a: pick('a'), b: pick('b') };
  }
  const match = /^\/pipelines\/([^/]+)\/?$/.exec(pathname);
  if (!match) return { page: 'list' };
  const params = new URLSearchParams(search);
  const route: Route = { page: 'pipeline', name: decodeURIComponent(match[1]) };
  // A version the address names but that is no version number is said, not dropped: the page
  // would otherwise show the latest version, editable, as if it were the one asked for.
  const versionText = params.get('version');
  if (versionText !== null) {
    if (/^[1-9]\d{0,8}$/.test(versionText)) route.version = Number(versionText);
    else route.problem = `version must be a whole number from 1 (the address has version=${clip(versionText)})`;
  }
  const diffText = params.get('diff');
  const diff = /^([1-9]\d{0,8})\.\.([1-9]\d{0,8})$/.exec(diffText ?? '');
  if (diff) route.diff = { from: Number(diff[1]), to: Number(diff[2]) };
  else if (diffText !== null) route.problem ??= `diff must be two version numbers, as diff=1..2 (the address has diff=${clip(diffText)})`;
  const run = params.get('run');
  if (run) route.run = run;
  const via = (params.get('via') ?? '').split(',').filter((name) => /^[a-z0-9-]+$/.test(name));
  if (via.length) route.via = via;
  if (params.get('draft') === '1') route.draft = true;
  return route;
}

/** A piece of the address as a message quotes it: a long one is cut, so the message stays one short line. */
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

export function formatRoute(route: Route): string {
  if (route.page === 'list') return '/';
  if (route.page === 'deploy') return `/pipelines/${encodeURIComponent(route.name)}/deploy`;
  if (route.page === 'monitoring') {
    const params = new URLSearchParams();
    if (route.range) params.set('range', route.range);
    if (route.by) params.set('by', route.by);
    const query = params.toString();
    return `/pipelines/${encodeURIComponent(route.name)}/monitoring${query ? `?${query}` : ''}`;
  }
  if (route.page === 'evals' || route.page === 'compare') {
    const params = new URLSearchParams();
    if (route.page === 'evals' && route.eval) params.set('eval', route.eval);
    if (route.page === 'compare' && route.a) params.set('a', route.a);
    if (route.page === 'compare' && route.b) params.set('b', route.b);
    const query = params.toString();
    return `/pipelines/${encodeURIComponent(route.name)}/${route.page}${query ? `?${query}` : ''}`;
  }
  const params = new URLSearchParams();
  if (route.version) params.set('version', String(route.version));
  if (route.diff) params.set('diff', `${route.diff.from}..${route.diff.to}`);
  if (route.run) params.set('run', route.run);
  if (route.via?.length) params.set('via', route.via.join(','));
  if (route.draft) params.set('draft', '1');
  const query = params.toString().replace('%2E%2E', '..');
  return `/pipelines/${encodeURIComponent(route.name)}${query ? `?${query}` : ''}`;
}
