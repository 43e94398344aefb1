import { useCallback, useEffect, useState } from 'react';
import { formatRoute, parseRoute, type Route } from '../lib/route';

const current = (): Route => parseRoute(window.location.pathname, window.location.search);

/** The address bar as state: `navigate` pushes a history entry, Back and Forward work. */
export function useRoute(): [Route, (route: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const onPop = () => setRoute(current());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: Route, options: { replace?: boolean } = {}) => {
    const url = formatRoute(next);
    if (options.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    setRoute(parseRoute(window.location.pathname, window.location.search));
  }, []);
  return [route, navigate];
}
