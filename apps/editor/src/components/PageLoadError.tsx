interface Props {
  /** The pipeline the page is about, as its heading. */
  name: string;
  message: string;
  onBack(): void;
  onRetry(): void;
  /** What the second button says (default "Try again"). */
  retryLabel?: string;
}

/**
 * A page that could not load what it is about (no such pipeline, the runner not answering):
 * one line saying why, the way back to the list, and Try again. Nothing that cannot work.
 */
export function PageLoadError({ name, message, onBack, onRetry, retryLabel = 'Try again' }: Props) {
  return (
    <main className="list-page">
      <h1>{name}</h1>
      <p className="error-text" role="alert" data-testid="page-error">
        {message.split('\n')[0]}
      </p>
      <div className="row">
        <button onClick={onBack}>All pipelines</button>
        <button onClick={onRetry}>{retryLabel}</button>
      </div>
    </main>
  );
}
