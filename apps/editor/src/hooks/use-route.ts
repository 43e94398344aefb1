import { useCallback, useEffect, useRef, useState } from 'react';
import { formatRoute, parseRoute, type Route } from '../lib/route';

const current = (): Route => parseRoute(window.location.pathname, window.location.search);
const address = () => window.location.pathname + window.location.search;

/** Asked before Back or Forward leaves the page shown (the editor with unsaved changes); false stays. */
let leaveGuard: (() => boolean) | undefined;
export function guardLeaving(guard: (() => boolean) | undefined): void {
  leaveGuard = guard;
}

/** The address bar as state: `navigate` pushes a history entry, Back and Forward work. */
export function useRoute(): [Route, (route: Route, options?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState<Route>(current);
  const shown = useRef(address());
  useEffect(() => {
    const onPop = () => {
      // the browser has moved the address already: a "stay" puts it back
      if (leaveGuard && !leaveGuard()) return window.history.pushState(null, '', shown.current);
      shown.current = address();
      setRoute(current());
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: Route, options: { replace?: boolean } = {}) => {
    const url = formatRoute(next);
    if (options.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    shown.current = address();
    setRoute(current());
  }, []);
  return [route, navigate];
}
