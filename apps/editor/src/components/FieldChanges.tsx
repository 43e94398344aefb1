import type { FieldChange } from '@patchbay/core';
import { formatValue } from '../lib/diff-overlay';

/** The changed fields of one node: old → new. */
export function FieldChanges({ fields }: { fields: readonly FieldChange[] }) {
  return (
    <div data-testid="field-changes">
      {fields.map((f) => (
        <div key={f.path} className="field-change">
          <code>{f.path}</code>: <span className="before">{formatValue(f.before)}</span> → <span className="after">{formatValue(f.after)}</span>
        </div>
      ))}
    </div>
  );
}
