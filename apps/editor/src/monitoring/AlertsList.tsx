import type { AlertDelivery } from './monitoring-api';
import { timeText } from './time-window';
import { shortRunId } from '../runs/short-run-id';

/** The alerts the runner posted (newest first): what crossed, the delivery, and the runs behind it. */
export function AlertsList({ alerts, onOpenRun }: { alerts: AlertDelivery[]; onOpenRun(id: string): void }) {
  return (
    <section className="monitoring-card" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Recent alerts</h2>
      {alerts.length === 0 ? (
        <p className="muted">No alert has fired.</p>
      ) : (
        <div className="table-scroll">
          <table className="monitoring-table" data-testid="alerts-list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">Value</th>
                <th scope="col">Delivery</th>
                <th scope="col">Runs</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => {
                const p = a.payload as { value?: number; threshold?: number; op?: string; metric?: string; version?: number | null; label?: string | null; runs?: string[] };
                return (
                  <tr key={a.id} data-testid={`alert-${a.id}`}>
                    <td>{timeText(Date.parse(a.createdAt))}</td>
                    <td>
                      <code>{a.rule}</code>
                      {p.metric && <span className="muted"> {p.metric}</span>}
                    </td>
                    <td className={a.state === 'firing' ? 'status failed' : 'status succeeded'}>{a.state}</td>
                    <td>
                      {typeof p.value === 'number' ? +p.value.toFixed(4) : '–'} {p.op} {p.threshold}
                      {p.version ? ` · v${p.version}` : ''}
                      {p.label ? ` · ${p.label}` : ''}
                    </td>
                    <td>
                      {a.status} after {a.attempts} attempt{a.attempts === 1 ? '' : 's'}
                      {a.lastError && <div className="error-text">{a.lastError}</div>}
                    </td>
                    <td>
                      {(p.runs ?? []).slice(0, 3).map((id) => (
                        <button key={id} className="link" onClick={() => onOpenRun(id)} aria-label={`Open run ${shortRunId(id)}`}>
                          {shortRunId(id)}
                        </button>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
