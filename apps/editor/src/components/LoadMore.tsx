/** The foot of a paged list: loads the next page while there is one. */
export function LoadMore({ more, loading, onMore, what }: { more: boolean; loading: boolean; onMore(): void; what: string }) {
  if (!more) return null;
  return (
    <div className="load-more">
      <button data-testid="load-more" disabled={loading} onClick={onMore}>
        {loading ? 'Loading…' : `Load more ${what}`}
      </button>
    </div>
  );
}
