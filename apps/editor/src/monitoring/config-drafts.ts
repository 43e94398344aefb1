import type { AlertRuleSpec, MonitorSpec } from './monitoring-api';

/**
 * Monitors and alert rules as typed into the Monitoring view's forms (text per field), and back.
 * Nothing is checked here beyond reading JSON: what is typed goes to the runner as typed, and
 * its validation message is shown next to the field its path names.
 */

export interface MonitorDraft {
  name: string;
  type: string;
  target: string;
  /** The scorer's params as JSON text. */
  params: string;
  threshold: string;
  sample: string;
  /** Comma-separated; empty: all. */
  labels: string;
  sources: string;
  enabled: boolean;
}

export interface RuleDraft {
  name: string;
  metric: string;
  /** A number of runs, or a duration: 30s, 5m, 1h, 1d. */
  window: string;
  op: 'above' | 'below';
  threshold: string;
  webhook: string;
  label: string;
  enabled: boolean;
}

/** A field's text as the API takes it: a number when it reads as one, else the text (the runner says why not). */
const numberOrText = (text: string): unknown => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);
const list = (text: string) => {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export class DraftProblem extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const newMonitor = (type: string): MonitorDraft => ({ name: '', type, target: '', params: '{}', threshold: '', sample: '1', labels: '', sources: '', enabled: true });

export function monitorToDraft(m: MonitorSpec): MonitorDraft {
  return {
    name: m.name,
    type: m.scorer.type,
    target: m.scorer.target ?? '',
    params: JSON.stringify(m.scorer.params ?? {}, null, 1),
    threshold: m.scorer.threshold === undefined ? '' : String(m.scorer.threshold),
    sample: m.sample === undefined ? '1' : String(m.sample),
    labels: (m.labels ?? []).join(', '),
    sources: (m.sources ?? []).join(', '),
    enabled: m.enabled !== false,
  };
}

export function draftToMonitor(d: MonitorDraft, index: number): MonitorSpec {
  let params: Record<string, unknown>;
  try {
    params = d.params.trim() ? JSON.parse(d.params) : {};
  } catch (err) {
    throw new DraftProblem(index, 'scorer.params', `not JSON: ${(err as Error).message}`);
  }
  const scorer = defined({ type: d.type, params, target: d.target.trim() || undefined, threshold: d.threshold.trim() ? numberOrText(d.threshold) : undefined });
  return defined({
    name: d.name.trim(),
    scorer,
    sample: numberOrText(d.sample.trim() || '1'),
    labels: list(d.labels),
    sources: list(d.sources),
    enabled: d.enabled ? undefined : false,
  }) as MonitorSpec;
}

export const newRule = (): RuleDraft => ({ name: '', metric: 'errorRate', window: '50', op: 'above', threshold: '', webhook: '', label: '', enabled: true });

export function ruleToDraft(r: AlertRuleSpec): RuleDraft {
  return { name: r.name, metric: r.metric, window: String(r.window), op: r.op, threshold: String(r.threshold), webhook: r.webhook, label: r.label ?? '', enabled: r.enabled !== false };
}

export function draftToRule(d: RuleDraft): AlertRuleSpec {
  return defined({
    name: d.name.trim(),
    metric: d.metric,
    window: /^\d+$/.test(d.window.trim()) ? Number(d.window.trim()) : d.window.trim(),
    op: d.op,
    threshold: numberOrText(d.threshold.trim()),
    webhook: d.webhook.trim(),
    label: d.label.trim() || undefined,
    enabled: d.enabled ? undefined : false,
  }) as AlertRuleSpec;
}

/**
 * Where a refusal's path points in a list form: `$.monitors[2].scorer.params.pattern` with the
 * fields `scorer.params`, `name`, … is row 2, field `scorer.params`. A path that names no row
 * (`$.monitors`) is the form's.
 */
export function problemAt(path: string, listKey: string, fields: readonly string[]): { index: number; field?: string } | undefined {
  const match = new RegExp(`^\\$\\.${listKey}\\[(\\d+)\\]\\.?(.*)$`).exec(path);
  if (!match) return undefined;
  const rest = match[2];
  const field = [...fields].sort((a, b) => b.length - a.length).find((f) => rest === f || rest.startsWith(`${f}.`) || rest.startsWith(`${f}[`));
  return { index: Number(match[1]), field };
}
