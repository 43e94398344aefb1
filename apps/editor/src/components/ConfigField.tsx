import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { variablesOf } from '@patchbay/core';
import type { ProviderInfo } from '../lib/api';
import { fieldText, parseFieldText, type FormField } from '../lib/config-form';
import { IndexPicker } from './IndexPicker';
import { ModelPicker } from './ModelPicker';
import { ToolListPicker } from './ToolListPicker';
import { ToolPicker } from './ToolPicker';

interface Props {
  field: FormField;
  value: unknown;
  providers: ProviderInfo[];
  readOnly: boolean;
  onChange(value: unknown): void;
}

/** One config field, drawn by its kind (config-form.ts decides the kind from the JSON Schema). */
export function ConfigField({ field, value, providers, readOnly, onChange }: Props) {
  const id = field.key;
  const label = (
    <label htmlFor={id}>
      {field.label}
      {field.required && ' *'}
      {field.description && <span className="muted"> — {field.description}</span>}
    </label>
  );
  switch (field.kind) {
    case 'boolean':
      return (
        <label className="row">
          <input id={id} type="checkbox" style={{ width: 'auto' }} data-testid={`field-${id}`} checked={value === true} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />
          {field.label}
        </label>
      );
    case 'enum':
      return (
        <>
          {label}
          <select id={id} data-testid={`field-${id}`} value={String(value ?? '')} disabled={readOnly} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
            {!field.required && <option value="">(default{field.default !== undefined ? `: ${String(field.default)}` : ''})</option>}
            {field.options?.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </>
      );
    case 'model':
      return (
        <>
          {label}
          <ModelPicker id={id} value={typeof value === 'string' ? value : ''} kind={field.modelKind} providers={providers} disabled={readOnly} onChange={(m) => onChange(m === '' && !field.required ? undefined : m)} />
        </>
      );
    case 'index':
      return (
        <>
          {label}
          <IndexPicker id={id} value={typeof value === 'string' ? value : ''} disabled={readOnly} onChange={onChange} />
        </>
      );
    case 'tool':
      return (
        <>
          {label}
          <ToolPicker id={id} value={typeof value === 'string' ? value : ''} disabled={readOnly} onChange={onChange} />
        </>
      );
    case 'tool-list': {
      const names = value ?? [];
      // a hand-made config whose list is not a list of names is shown as it is, to be put right
      if (!Array.isArray(names) || !names.every((v) => typeof v === 'string')) break;
      return (
        <>
          {label}
          <ToolListPicker id={id} label={field.label} value={names} disabled={readOnly} onChange={onChange} />
        </>
      );
    }
  }
  return (
    <>
      {label}
      <DraftText field={field.kind === 'tool-list' ? { ...field, kind: 'json' } : field} value={value} readOnly={readOnly} onChange={onChange} />
    </>
  );
}

/**
 * A text box whose text may not parse yet (a half-typed number or JSON): the
 * config changes only when it does, and the box is reset when the value
 * changes from outside (undo).
 */
function DraftText({ field, value, readOnly, onChange }: Omit<Props, 'providers'>) {
  const external = fieldText(field, value);
  const [text, setText] = useState(external);
  const [error, setError] = useState<string>();
  const committed = useRef(external);
  const box = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    if (box.current) box.current.value = text; // once, as the box appears: typing keeps it after
  }, []); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (external === committed.current) return;
    committed.current = external;
    setText(external);
    if (box.current) box.current.value = external;
    setError(undefined);
  }, [external]);

  const update = (next: string) => {
    setText(next);
    const parsed = parseFieldText(field, next);
    if (!parsed.ok) return setError(parsed.message);
    setError(undefined);
    committed.current = fieldText(field, parsed.value);
    onChange(parsed.value);
  };
  const multiline = field.kind === 'template' || field.kind === 'code' || field.kind === 'json';
  const common = { id: field.key, 'data-testid': `field-${field.key}`, readOnly, spellCheck: false };
  return (
    <>
      {multiline ? (
        // Uncontrolled, with no defaultValue: React writes a textarea's value or defaultValue into
        // its text children after every key, and Chrome then makes each character its own undo
        // step. This way Ctrl/⌘+Z in the box undoes the typing as the browser groups it; the text
        // is written in when the box appears and when the value changes from outside (above).
        <textarea {...common} ref={box} className={field.kind === 'template' ? undefined : 'code'} rows={field.kind === 'template' ? 5 : 6} onChange={(e) => update(e.target.value)} />
      ) : (
        <input {...common} value={text} inputMode={field.kind === 'number' || field.kind === 'integer' ? 'decimal' : undefined} onChange={(e) => update(e.target.value)} />
      )}
      {field.kind === 'template' && <Variables source={text} testId={`variables-${field.key}`} />}
      {error && <p className="error-text">{error}</p>}
    </>
  );
}

/** The variables a template uses: each is an input port of the node. */
function Variables({ source, testId }: { source: string; testId: string }) {
  const names = variablesOf(source);
  return (
    <p className="muted" data-testid={testId}>
      {names.length ? <>Variables (input ports): {names.map((n) => <code key={n}>{n} </code>)}</> : 'No variables: write {{ name }} to add an input port.'}
    </p>
  );
}
