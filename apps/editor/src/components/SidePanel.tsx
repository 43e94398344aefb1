import type { KeyboardEvent } from 'react';
import type { Problem } from '@patchbay/core';
import type { NodeTypeInfo, ProviderInfo } from '../lib/api';
import type { EditorStore } from '../lib/editor-store';
import type { Shown } from '../hooks/use-editor-content';
import { useCanvasSelector } from '../hooks/use-canvas-selector';
import { FieldChanges } from './FieldChanges';
import { Inspector } from './Inspector';
import { NodeRunDetails } from './NodeRunDetails';

interface Props {
  store: EditorStore;
  shown: Shown | undefined;
  catalog: NodeTypeInfo[] | undefined;
  providers: ProviderInfo[];
  problems: readonly Problem[];
}

const NO_PROBLEMS: Problem[] = [];

/**
 * What the panel says with no node selected: what selecting one shows, and what can be done on
 * this canvas (a diff, an old version or a past run is read-only and has no palette to drag from).
 */
function nothingSelected(readOnly: Shown | undefined): [string, string] {
  switch (readOnly?.mode) {
    case 'diff':
      return [`Select a node to see what changed in it from v${readOnly.from} to v${readOnly.to}.`, 'This diff is read-only: Edit the latest version to change the pipeline.'];
    case 'version':
      return [`Select a node to see its settings in v${readOnly.version}.`, `v${readOnly.version} is read-only: Edit the latest version or Restore it as a new version.`];
    case 'run':
      return ['Select a node to see what the run did there.', 'A past run is read-only: Edit the latest version to change the pipeline.'];
    default:
      return ['Select a node to edit it.', 'Drag node types from the palette; connect an output to an input.'];
  }
}

/** Right of the canvas: the selected node's inspector and what the shown run did there, or its diff. */
export function SidePanel({ store, shown, catalog, providers, problems }: Props) {
  // the selected node's document node: the same object until its config changes, so drags do not re-render this
  const selected = useCanvasSelector(store, (s) => {
    let found: (typeof s.nodes)[number] | undefined;
    for (const n of s.nodes) {
      if (!n.selected) continue;
      if (found) return 'many' as const;
      found = n;
    }
    return found?.data;
  });
  const readOnly = useCanvasSelector(store, (s) => s.readOnly);

  if (selected === 'many') return <aside className="side muted">Several nodes selected. Delete, copy, or drag them together.</aside>;
  if (!selected) {
    const [what, how] = nothingSelected(readOnly ? shown : undefined);
    return (
      <aside className="side muted" data-testid="side-empty">
        <p>{what}</p>
        <p>{how} Press ? for shortcuts.</p>
      </aside>
    );
  }
  const node = selected.node;
  if (shown?.mode === 'diff') {
    const mark = selected.diff;
    const fields = shown.overlay.fields.get(node.id);
    return (
      <aside className="side" data-testid="diff-node">
        <h2>
          <code>{node.id}</code> {mark ?? 'unchanged'}
        </h2>
        {mark === 'added' && <p>Added in v{shown.to}.</p>}
        {mark === 'removed' && <p>Removed in v{shown.to}.</p>}
        {fields && <FieldChanges fields={fields} />}
      </aside>
    );
  }
  const own = problems.length ? problems.filter((p) => p.nodes?.includes(node.id) || p.path.startsWith(`$.nodes[${store.document().nodes.findIndex((n) => n.id === node.id)}]`)) : NO_PROBLEMS;
  const details = <NodeRunDetails id={node.id} />;
  // Escape in the inspector hands the focus back to the node on the canvas (keyboard users came from there)
  const backToNode = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    document.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(node.id)}"]`)?.focus();
  };
  return (
    <aside className="side" onKeyDown={backToNode}>
      {/* what the node did in the last run first: a long config form must not push it out of sight */}
      {details}
      <Inspector
        key={node.id}
        node={node}
        typeInfo={catalog?.find((t) => t.type === node.type)}
        providers={providers}
        problems={own}
        readOnly={readOnly}
        pipelineName={store.document().name}
        onChange={(patch, field) => store.updateNode(node.id, patch, field)}
        onRename={(to) => store.renameNode(node.id, to)}
      />
    </aside>
  );
}
