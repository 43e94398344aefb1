import { useState } from 'react';
import { getNodeType, type PipelineNode, type Problem } from '@patchbay/core';
import type { NodeTypeInfo, ProviderInfo } from '../lib/api';
import { formFields, type FormField } from '../lib/config-form';
import type { NodePatch } from '../lib/editor-store';
import { problemSentence } from '../lib/problem-sentence';
import { ConfigField } from './ConfigField';
import { RefPicker } from './RefPicker';

interface Props {
  node: PipelineNode;
  typeInfo: NodeTypeInfo | undefined;
  providers: ProviderInfo[];
  problems: readonly Problem[];
  readOnly: boolean;
  /** `field` names what is being typed in, so one edit is one undo step. */
  onChange(patch: NodePatch, field: string): void;
  /** The open pipeline (a node cannot call the pipeline it is in). */
  pipelineName?: string;
  /** Renames the node (edges follow); returns why not, or null. */
  onRename(to: string): string | null;
}

const SETTINGS: FormField[] = [
  { key: 'label', label: 'Label', kind: 'text', required: false, description: 'shown instead of the id' },
  { key: 'timeoutMs', label: 'Timeout (ms)', kind: 'integer', required: false, description: 'per attempt' },
  { key: 'retries', label: 'Retries', kind: 'integer', required: false, minimum: 0, maximum: 10 },
];

/** The selected node's config as a form generated from its type's JSON Schema. */
export function Inspector({ node, typeInfo, providers, problems, readOnly, onChange, onRename, pipelineName = '' }: Props) {
  const [id, setId] = useState(node.id);
  const [idError, setIdError] = useState<string | null>(null);
  // the inspector is keyed by the node's id: after a rename it starts afresh with the new one
  const rename = () => setIdError(onRename(id.trim()));
  const def = getNodeType(node.type);
  const fields = formFields(typeInfo?.configSchema, {
    templateFields: typeInfo?.templateFields ?? def?.templateFields,
    codeFields: typeInfo?.codeFields ?? def?.codeFields,
    indexFields: typeInfo?.indexFields ?? def?.indexFields,
    toolFields: typeInfo?.toolFields ?? def?.toolFields,
    modelFields: typeInfo?.modelFields ?? def?.modelFields,
  });
  return (
    <section data-testid="inspector" tabIndex={-1} aria-label={`Inspector: ${node.id}`}>
      <h2>
        {typeInfo?.title ?? node.type} <code>{node.id}</code>
      </h2>
      {typeInfo?.description && <p className="muted">{typeInfo.description}</p>}
      <label htmlFor="node-id">Id</label>
      <input
        id="node-id"
        data-testid="node-id"
        value={id}
        readOnly={readOnly}
        aria-invalid={idError ? true : undefined}
        onChange={(e) => setId(e.target.value)}
        onBlur={rename}
        onKeyDown={(e) => {
          if (e.key === 'Enter') rename();
          if (e.key === 'Escape') {
            setId(node.id);
            setIdError(null);
          }
        }}
      />
      {idError && (
        <p className="error-text" data-testid="node-id-error">
          {idError}
        </p>
      )}
      {!typeInfo && <p className="error-text">Unknown node type “{node.type}”.</p>}
      {problems.length > 0 && (
        <ul className="error-text" data-testid="inspector-problems">
          {problems.map((p, i) => (
            // two problems can share a path and a code (two unconnected template variables)
            <li key={`${i}:${p.path}:${p.code}`}>{problemSentence(p, node.id)}</li>
          ))}
        </ul>
      )}
      {fields.map((field) =>
        field.key === 'ref' && def?.childRefs ? (
          <RefPicker
            key={field.key}
            value={node.config.ref}
            readOnly={readOnly}
            current={pipelineName}
            onChange={(value) => {
              const config = { ...node.config, ref: value };
              if (value === undefined) delete config.ref;
              onChange({ config }, 'config.ref');
            }}
          />
        ) : (
        <ConfigField
          key={field.key}
          field={field}
          value={node.config[field.key]}
          providers={providers}
          readOnly={readOnly}
          onChange={(value) => {
            const config = { ...node.config, [field.key]: value };
            if (value === undefined) delete config[field.key];
            onChange({ config }, `config.${field.key}`);
          }}
        />
        ),
      )}
      <details>
        <summary className="muted">Node settings</summary>
        {SETTINGS.map((field) => (
          <ConfigField key={field.key} field={field} value={node[field.key as keyof PipelineNode]} providers={providers} readOnly={readOnly} onChange={(value) => onChange({ [field.key]: value }, field.key)} />
        ))}
      </details>
    </section>
  );
}
