import type { MetricsSeries } from './monitoring-api';
import { costText, countText, msText, percentText } from './format';

export interface NodeRow {
  node: string;
  type: string;
  calls: number;
  errors: number;
  /** The highest p95 of any step in the window (percentiles of steps cannot be added up). */
  p95Ms: number | null;
  tokens: number;
  costUsd: number;
}

/** One row per node over the whole window, from the `by=node` series. */
export function nodeRows(series: MetricsSeries[]): NodeRow[] {
  return series
    .map((s) => {
      const row: NodeRow = { node: s.key, type: s.nodeType ?? '', calls: 0, errors: 0, p95Ms: null, tokens: 0, costUsd: 0 };
      for (const p of s.points) {
        row.calls += p.runs;
        row.errors += p.errors;
        row.tokens += p.tokensIn + p.tokensOut;
        row.costUsd += p.costUsd;
        if (p.p95Ms != null && (row.p95Ms == null || p.p95Ms > row.p95Ms)) row.p95Ms = p.p95Ms;
      }
      return row;
    })
    .filter((r) => r.calls > 0)
    .sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0));
}

/** The node that stands out in a column, when one does (more than zero). */
function top(rows: NodeRow[], value: (r: NodeRow) => number | null): string | undefined {
  let best: NodeRow | undefined;
  for (const r of rows) if ((value(r) ?? 0) > 0 && (!best || (value(r) ?? 0) > (value(best) ?? 0))) best = r;
  return best?.node;
}

/** Per node over the window: which one is slow, failing or expensive. */
export function NodeTable({ series }: { series: MetricsSeries[] }) {
  const rows = nodeRows(series);
  const slowest = top(rows, (r) => r.p95Ms);
  const failing = top(rows, (r) => (r.calls ? r.errors / r.calls : 0));
  const dearest = top(rows, (r) => r.costUsd);
  return (
    <section className="monitoring-card wide" aria-labelledby="nodes-heading">
      <h2 id="nodes-heading">Per node</h2>
      {rows.length === 0 ? (
        <p className="muted">No node ran in this window.</p>
      ) : (
        <div className="table-scroll">
          <table className="monitoring-table" data-testid="node-table">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Type</th>
                <th scope="col">Calls</th>
                <th scope="col">Errors</th>
                <th scope="col">p95 (worst step)</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.node} data-testid={`node-row-${r.node}`}>
                  <th scope="row">
                    <code>{r.node}</code>
                  </th>
                  <td>{r.type}</td>
                  <td>{countText(r.calls)}</td>
                  <td>
                    {r.errors} ({percentText(r.calls ? r.errors / r.calls : 0)}){r.node === failing && <span className="badge danger">most failing</span>}
                  </td>
                  <td>
                    {msText(r.p95Ms)}
                    {r.node === slowest && <span className="badge warn">slowest</span>}
                  </td>
                  <td>{countText(r.tokens)}</td>
                  <td>
                    {costText(r.costUsd)}
                    {r.node === dearest && <span className="badge warn">most expensive</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
