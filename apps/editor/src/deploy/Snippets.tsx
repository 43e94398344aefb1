import { useState } from 'react';
import type { Labels } from './deploy-api';
import { curlSnippet, KEY_ENV, labelModel, pythonSnippet, typescriptSnippet, v1BaseUrl } from './snippets';

interface Props {
  name: string;
  /** Where each label points. */
  labels: Labels;
}

const KINDS = [
  { id: 'curl', title: 'curl', make: curlSnippet },
  { id: 'python', title: 'Python (openai SDK)', make: pythonSnippet },
  { id: 'typescript', title: 'TypeScript (openai SDK)', make: typescriptSnippet },
] as const;

/** Copies `text`; the Clipboard API where the page may use it, else the selection and the copy command. */
async function copyText(text: string, pre: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!pre) return false;
    const range = document.createRange();
    range.selectNodeContents(pre);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand('copy');
  }
}

/** How an application calls a label: curl and the OpenAI SDKs against this runner's /v1, the key from an environment variable. */
export function Snippets({ name, labels: pointers }: Props) {
  const [label, setLabel] = useState<string>();
  const [copied, setCopied] = useState<string>();
  const labels = Object.keys(pointers).sort();
  const chosen = label && labels.includes(label) ? label : labels.includes('production') ? 'production' : labels[0];
  if (!chosen) return <p className="muted">Once a label points at a version, applications can call it: the snippets appear here.</p>;
  const version = pointers[chosen].version;
  const { model, byVersion } = labelModel(name, chosen, version);
  const target = { baseUrl: v1BaseUrl(window.location.origin), model, keyEnv: KEY_ENV, message: 'Hello' };
  return (
    <div data-testid="snippets">
      <div className="row">
        <label htmlFor="snippet-label" style={{ margin: 0 }}>
          Call the label
        </label>
        <select id="snippet-label" data-testid="snippet-label" value={chosen} onChange={(e) => setLabel(e.target.value)} style={{ width: 180 }}>
          {labels.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </div>
      {byVersion && (
        <p className="muted" data-testid="snippet-version-note">
          /v1 does not serve &quot;{name}@{chosen}&quot;: it reads as version {Number(chosen)}. These call v{version}, which the label {chosen} points at, by its number: &quot;{model}&quot;.
        </p>
      )}
      <p className="muted" data-testid="snippet-key-hint">
        Set <code>{KEY_ENV}</code> to a serving key (<code>patchbay keys create NAME</code>) or the runner&apos;s token; on a loopback runner without a token
        any value that does not begin with <code>pbk_</code> works (a <code>pbk_</code> key is always checked).
      </p>
      {KINDS.map(({ id, title, make }) => {
        const text = make(target);
        return (
          <figure key={id} className="snippet" aria-labelledby={`snippet-${id}-title`}>
            <figcaption className="row">
              <strong id={`snippet-${id}-title`}>{title}</strong>
              <span className="spacer" />
              <span className="muted" role="status">
                {copied === id ? 'Copied' : ''}
              </span>
              <button
                data-testid={`copy-${id}`}
                aria-label={`Copy the ${title} snippet`}
                onClick={async (e) => {
                  const ok = await copyText(text, (e.currentTarget.closest('figure') as HTMLElement | null)?.querySelector('pre') ?? null);
                  setCopied(ok ? id : undefined);
                }}
              >
                Copy
              </button>
            </figcaption>
            <pre className="value" data-testid={`snippet-${id}`} tabIndex={0}>
              {text}
            </pre>
          </figure>
        );
      })}
    </div>
  );
}
