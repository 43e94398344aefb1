import type { Labels } from './deploy-api';
import './label-badges.css';

/** Every label of a pipeline with the version it points at (`production v3`), production first; nothing when none is set. */
export function LabelPointers({ labels, testId }: { labels: Labels; testId?: string }) {
  const names = Object.keys(labels).sort((a, b) => Number(b === 'production') - Number(a === 'production') || a.localeCompare(b));
  if (names.length === 0) return null;
  return (
    <span className="label-pointers" data-testid={testId}>
      {names.map((name) => (
        <span key={name} className="label-pointer" title={`the label "${name}" points at v${labels[name].version}`}>
          <span className={`badge label-badge${name === 'production' ? ' production' : ''}`}>{name}</span> v{labels[name].version}
        </span>
      ))}
    </span>
  );
}
