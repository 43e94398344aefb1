import type { Labels } from './deploy-api';
import './label-badges.css';

/** The labels (`production`, `staging`, …) that point at `version`, as badges; nothing when none does. */
export function LabelBadges({ labels, version }: { labels: Labels | undefined; version: number | undefined }) {
  if (!labels || version === undefined) return null;
  const names = Object.keys(labels)
    .filter((name) => labels[name].version === version)
    .sort();
  return (
    <>
      {names.map((name) => (
        <span key={name} className={`badge label-badge${name === 'production' ? ' production' : ''}`} data-testid={`label-badge-${name}`} title={`the label "${name}" points at v${version}`}>
          {name}
        </span>
      ))}
    </>
  );
}
