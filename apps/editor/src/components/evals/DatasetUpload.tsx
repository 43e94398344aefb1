import { useRef, useState } from 'react';
import type { EvalsApi } from '../../lib/evals-api';
import { count } from '../../lib/count';

const FORMATS = { jsonl: 'jsonl', ndjson: 'jsonl', csv: 'csv', json: 'json' } as const;

/** Uploads a JSONL, CSV or JSON file as a dataset (a new version of it when the name exists). */
export function DatasetUpload({ api, onUploaded }: { api: EvalsApi; onUploaded(name: string): void }) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; error?: boolean }>();
  const input = useRef<HTMLInputElement>(null);

  async function upload(file: File) {
    const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
    const format = FORMATS[ext as keyof typeof FORMATS];
    if (!format) return setMessage({ text: `${file.name}: a dataset is a .jsonl, .csv or .json file`, error: true });
    const datasetName = name.trim() || file.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
    try {
      const saved = await api.uploadDataset(datasetName, await file.text(), format);
      setMessage({ text: `${datasetName}: ${count(saved.caseCount, 'case')}` });
      onUploaded(datasetName);
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  }

  return (
    <details className="dataset-upload">
      <summary>Upload a dataset…</summary>
      <div className="row">
        <input aria-label="Dataset name" placeholder="name (default: the file's name)" value={name} onChange={(e) => setName(e.target.value)} data-testid="dataset-name" />
        <button onClick={() => input.current?.click()}>Choose file…</button>
        <input
          ref={input}
          type="file"
          hidden
          accept=".jsonl,.ndjson,.csv,.json"
          data-testid="dataset-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) upload(file);
          }}
        />
      </div>
      <p className="muted">
        One case per line: <code>{'{"id": "c1", "input": {"question": "…"}, "expected": "…"}'}</code>; CSV with a header row (id, expected, one column per input).
      </p>
      {message && <p className={message.error ? 'error-text' : 'muted'}>{message.text}</p>}
    </details>
  );
}
