import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../lib/api';
import { ClampedText } from './ClampedText';
import { LabelBadges } from '../deploy/LabelBadges';
import { useLabels } from '../deploy/use-labels';
import { useApi } from './ApiContext';
import { count } from '../lib/count';
import { usePages } from '../hooks/use-pages';
import { LoadMore } from './LoadMore';

interface Props {
  name: string;
  /** The version on the canvas, if it is a saved one. */
  shown?: number;
  /** Changes when a version was saved, so the list reloads. */
  refreshKey: number;
  onOpen(version: number): void;
  onDiff(from: number, to: number): void;
  onRestore(version: number): void;
}

/** The history: every saved version, open one read-only, diff two, restore an old one as a new version. */
export default function VersionsPanel({ name, shown, refreshKey, onOpen, onDiff, onRestore }: Props) {
  const api = useApi();
  const [from, setFrom] = useState<number>();
  const [to, setTo] = useState<number>();
  const labels = useLabels(name, refreshKey);
  // Newest first, a page at a time ("Load more").
  const pages = usePages((cursor) => api.versionsPage(name, cursor), `${name}:${refreshKey}`);
  // a draft (Create) has no versions until its first save
  const draft = pages.error instanceof ApiError && pages.error.status === 404;
  const error = draft ? undefined : pages.error?.message;
  const versions = useMemo(() => (draft ? [] : pages.items && [...pages.items].sort((a, b) => b.number - a.number)), [draft, pages.items]);
  useEffect(() => {
    if (!versions?.length) return;
    setTo((t) => t ?? versions[0]?.number);
    setFrom((f) => f ?? versions[1]?.number ?? versions[0]?.number);
  }, [versions]);
  if (error && !versions) return <p className="error-text">{error}</p>;
  if (!versions) return <p className="muted">Loading versions…</p>;
  if (versions.length === 0) return <p className="muted">No versions yet: Save makes version 1.</p>;
  const latest = versions[0]?.number;
  return (
    <div data-testid="versions-panel">
      <div className="row" style={{ marginBottom: 8 }}>
        <span>Diff</span>
        <select data-testid="diff-from" aria-label="Diff from version" value={from ?? ''} onChange={(e) => setFrom(Number(e.target.value))} style={{ width: 90 }}>
          {versions.map((v) => (
            <option key={v.number} value={v.number}>
              v{v.number}
            </option>
          ))}
        </select>
        <span>→</span>
        <select data-testid="diff-to" aria-label="Diff to version" value={to ?? ''} onChange={(e) => setTo(Number(e.target.value))} style={{ width: 90 }}>
          {versions.map((v) => (
            <option key={v.number} value={v.number}>
              v{v.number}
            </option>
          ))}
        </select>
        <button data-testid="diff-button" disabled={from === undefined || to === undefined || from === to} onClick={() => from !== undefined && to !== undefined && onDiff(from, to)}>
          Show diff on the canvas
        </button>
      </div>
      {versions.map((v) => (
        <div key={v.number} className="version-row" data-testid={`version-${v.number}`}>
          <strong>v{v.number}</strong>
          {v.number === latest && <span className="badge">latest</span>}
          {v.number === shown && <span className="badge">shown</span>}
          <LabelBadges labels={labels} version={v.number} />
          {/* keeps the row's buttons on screen whatever the message's length */}
          <span className="version-row-message">
            <ClampedText text={v.message} />
          </span>
          {v.problems.length > 0 && <span className="badge warn">{count(v.problems.length, 'problem')}</span>}
          <span className="muted">{new Date(v.createdAt).toLocaleString()}</span>
          <button data-testid={`open-version-${v.number}`} onClick={() => onOpen(v.number)}>
            Open
          </button>
          {v.number !== latest && (
            <button data-testid={`restore-version-${v.number}`} onClick={() => onRestore(v.number)}>
              Restore
            </button>
          )}
        </div>
      ))}
      {error && <p className="error-text">{error}</p>}
      <LoadMore more={pages.more} loading={pages.loading} onMore={pages.loadMore} what="versions" />
    </div>
  );
}
