import { createElement, lazy, type ComponentType } from 'react';

/** A view's script could not be fetched: the runner stopped, restarted or is out of reach. */
export class ViewLoadError extends Error {
  constructor(
    override readonly cause: unknown,
    /** Makes the next drawing of the view fetch its script again (LoadBoundary's Try again). */
    readonly retry: () => void,
  ) {
    super('the runner did not answer (is patchbay serve still running?)');
  }
}

/**
 * React's `lazy`, except that a failed load throws ViewLoadError, whose `retry()` lets the view
 * load again (React keeps a failed lazy component failed for good, so Try again could never
 * work). Only an explicit retry loads again: a view that retried by itself on every drawing
 * would fetch in a loop while the runner is down.
 */
export function lazyView<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let view: ComponentType<P>;
  const fresh = () => {
    view = lazy(() =>
      load().catch((err: unknown) => {
        throw new ViewLoadError(err, fresh);
      }),
    );
  };
  fresh();
  return function LazyView(props: P) {
    return createElement(view, props);
  };
}
