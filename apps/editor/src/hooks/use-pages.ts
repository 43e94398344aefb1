import { useCallback, useEffect, useRef, useState } from 'react';
import type { PageLoader } from '../lib/pages';

export interface Pages<T> {
  /** Every item loaded so far; undefined until the first page arrives. */
  items?: T[];
  error?: Error;
  /** A next page exists. */
  more: boolean;
  loading: boolean;
  /** Loads the next page and appends it. */
  loadMore(): void;
}

/**
 * A list view's pages: the first page on mount and whenever `key` changes,
 * then one more per `loadMore()` (the views' "Load more" button).
 */
export function usePages<T>(load: PageLoader<T>, key: string): Pages<T> {
  const [state, setState] = useState<{ items?: T[]; error?: Error; next: string | null; loading: boolean }>({ next: null, loading: true });
  // Pages of an earlier key that arrive late are dropped.
  const generation = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current().then(
      (page) => mine === generation.current && setState({ items: page.items, next: page.next, loading: false }),
      (error: Error) => mine === generation.current && setState({ error, next: null, loading: false }),
    );
  }, [key]);

  const loadMore = useCallback(() => {
    const { next } = state;
    if (!next || state.loading) return;
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true }));
    loader.current(next).then(
      (page) => mine === generation.current && setState((s) => ({ items: [...(s.items ?? []), ...page.items], next: page.next, loading: false })),
      (error: Error) => mine === generation.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, [state]);

  return { items: state.items, error: state.error, more: state.next !== null, loading: state.loading, loadMore };
}
