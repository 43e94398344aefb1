import { useEffect, useId, useState } from 'react';
import { labelProblem } from '@patchbay/core';
import { useApi } from './ApiContext';
import { childPipelines } from '../lib/child-pipelines';

/**
 * The `ref` of a `pipeline` or `map` node: type or pick a stored pipeline
 * (NAME, the latest), one of its versions (NAME@vN) or labels (NAME@LABEL).
 * Shows what the reference resolves to now.
 */
export function RefPicker({ value, readOnly, current, onChange }: { value: unknown; readOnly: boolean; current: string; onChange(value: string | undefined): void }) {
  const api = useApi();
  const list = useId();
  const text = typeof value === 'string' ? value : '';
  const [options, setOptions] = useState<string[]>([]);
  const name = text.split('@')[0];

  useEffect(() => {
    let live = true;
    api.listPipelines().then(
      (pipelines) => live && setOptions((o) => [...new Set([...pipelines.map((p) => p.name).filter((n) => n !== current), ...o])]),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [api, current]);

  useEffect(() => {
    if (!/^[a-z0-9-]+$/.test(name)) return;
    let live = true;
    Promise.all([api.listVersions(name).catch(() => []), api.listLabels(name)]).then(([versions, labels]) => {
      if (!live) return;
      // A label of digits only (an older runner's) is no ref: NAME@7 reads as version 7, which NAME@v7 names.
      const more = [...labels.filter((l) => !labelProblem(l)).map((l) => `${name}@${l}`), ...versions.map((v) => `${name}@v${v.number}`)];
      setOptions((o) => [...new Set([...o, ...more])]);
    });
    return () => {
      live = false;
    };
  }, [api, name]);

  const resolved = text ? childPipelines.get(text) : undefined;
  return (
    <label className="field" data-testid="ref-picker">
      <span>Pipeline</span>
      <input
        list={list}
        value={text}
        readOnly={readOnly}
        placeholder="NAME, NAME@vN or NAME@LABEL"
        data-testid="config-ref"
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      />
      <datalist id={list}>
        {options.map((o) => (
          <option key={o} value={o} />
        ))}
      </datalist>
      <small className="muted">
        {resolved
          ? `Calls ${resolved.name} v${resolved.version}: inputs ${resolved.inputs.map((p) => p.name).join(', ') || 'none'}; outputs ${resolved.outputs.map((p) => p.name).join(', ') || 'none'}`
          : 'A stored pipeline: NAME (its latest version), NAME@vN, or NAME@LABEL (resolved when a run starts)'}
      </small>
    </label>
  );
}
