import { Bar, BarChart, CartesianGrid, ErrorBar, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalSummary } from '../../lib/evals-api';

interface Props {
  scorers: string[];
  a: EvalSummary;
  b: EvalSummary;
}

/** Whiskers from the mean down to the interval's low end and up to its high end. */
function whisker(s: EvalSummary['scorers'][string] | undefined): [number, number] {
  if (!s || s.mean === null || !s.ci) return [0, 0];
  return [Math.max(0, s.mean - s.ci[0]), Math.max(0, s.ci[1] - s.mean)];
}

/** Per-scorer means of A and B, each with its 95% bootstrap interval as whiskers. */
export default function MeansChart({ scorers, a, b }: Props) {
  const data = scorers.map((name) => ({
    scorer: name,
    A: a.scorers[name]?.mean ?? 0,
    B: b.scorers[name]?.mean ?? 0,
    aCi: whisker(a.scorers[name]),
    bCi: whisker(b.scorers[name]),
  }));
  return (
    <div style={{ width: '100%', height: 260 }}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="scorer" stroke="var(--muted)" />
          <YAxis domain={[0, 1]} stroke="var(--muted)" />
          <Tooltip formatter={(value) => (typeof value === 'number' ? value.toFixed(3) : String(value))} />
          <Legend />
          <Bar dataKey="A" fill="#94a3b8" isAnimationActive={false}>
            <ErrorBar dataKey="aCi" width={6} stroke="var(--text)" isAnimationActive={false} />
          </Bar>
          <Bar dataKey="B" fill="#2563eb" isAnimationActive={false}>
            <ErrorBar dataKey="bCi" width={6} stroke="var(--text)" isAnimationActive={false} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
