import { ClampedText } from '../components/ClampedText';
import { useStore } from 'zustand';
import type { Deployment } from './deploy-api';
import type { DeployStore } from './deploy-store';
import { RollbackRefused } from './RollbackRefused';

const at = (iso: string) => new Date(iso).toLocaleString();
const versionText = (v: number | null) => (v === null ? '(not set)' : `v${v}`);

/**
 * Every move of every label, newest first, one table per label. A row's button moves the label
 * back to where that move took it from: one click, itself a recorded move; refused because it would stop
 * another pipeline's labelled version, it says why below the table and offers Move anyway.
 */
export function DeploymentHistory({ store, pipeline }: { store: DeployStore; pipeline: string }) {
  const deployments = useStore(store, (s) => s.deployments);
  const labels = useStore(store, (s) => s.labels);
  const rollingBack = useStore(store, (s) => s.rollingBack);
  const refused = useStore(store, (s) => s.rollbackRefused);
  // When this pipeline began (its v1 was saved): moves until then were of a deleted pipeline of the same name, whose
  // version numbers name other documents now, so they offer no way back. A move in that same millisecond can only be
  // a label's first (from nothing), which offers none anyway.
  const since = useStore(store, (s) => s.versions?.find((v) => v.number === 1)?.createdAt);
  if (!deployments) return <p className="muted">Loading the history…</p>;
  if (deployments.length === 0) return <p className="muted">No label has been moved yet.</p>;
  const byLabel = new Map<string, Deployment[]>();
  for (const d of deployments) byLabel.set(d.label, [...(byLabel.get(d.label) ?? []), d]);
  return (
    <>
      {[...byLabel].map(([label, moves]) => {
        const now = labels?.[label]?.version ?? null;
        return (
          <section key={label} data-testid={`history-${label}`} aria-labelledby={`history-${label}-title`}>
            <h3 id={`history-${label}-title`}>
              {label} <span className="muted">now {versionText(now)}</span>
            </h3>
            <div className="table-scroll">
              <table className="evals-table deploy-history-table">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Move</th>
                    <th>By</th>
                    <th>Note</th>
                    <th>
                      <span className="visually-hidden">Roll back</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {moves.map((d, i) => (
                    <tr key={`${d.at}-${i}`} data-testid={`deployment-${label}-${i}`}>
                      <td className="muted">{at(d.at)}</td>
                      <td>
                        {versionText(d.from)} → {versionText(d.to)} {d.forced && <span className="badge danger">forced</span>}
                      </td>
                      <td>{d.by}</td>
                      <td>
                        <ClampedText text={d.note} />
                      </td>
                      <td>
                        {since !== undefined && Date.parse(d.at) <= Date.parse(since) ? (
                          <span className="muted">a deleted pipeline of this name</span>
                        ) : (
                          d.from !== null &&
                          d.from !== now && (
                            <button data-testid={`rollback-${label}-${i}`} disabled={rollingBack !== undefined} onClick={() => store.getState().rollback(label, d.from!)}>
                              Move {label} back to v{d.from}
                            </button>
                          )
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {refused?.label === label && <RollbackRefused store={store} pipeline={pipeline} refused={refused} now={now} />}
          </section>
        );
      })}
    </>
  );
}
