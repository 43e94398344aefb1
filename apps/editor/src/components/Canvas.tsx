import { useCallback, useSyncExternalStore, type DragEvent, type KeyboardEvent } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type NodeMouseHandler,
} from '@xyflow/react';
import type { PipelineNode, Position } from '@patchbay/core';
import type { EditorStore } from '../lib/editor-store';
import { LEGIBLE_MAX_NODES } from '../lib/fit';
import { drawnSize, type FlowEdge, type FlowNode } from '../lib/flow-model';
import { useCardDetailSetting } from '../hooks/use-card-detail-setting';
import { CardDetailContext } from './card-detail';
import { PipelineNodeView } from './PipelineNodeView';
import { dropPosition } from '../lib/drop-position';

/** The MIME type a palette item puts on the drag: the node type to add. */
export const NODE_DRAG_TYPE = 'application/x-patchbay-node';

const nodeTypes = { pipeline: PipelineNodeView };
const MINIMAP_COLORS: Record<string, string> = { added: '#16a34a', removed: '#dc2626', changed: '#d97706' };
const minimapColor = (n: FlowNode) => MINIMAP_COLORS[n.data.diff ?? ''] ?? '#94a3b8';

interface Props {
  store: EditorStore;
  /** A node type was dropped from the palette; `place` says where the node made for it goes (centred on the cursor, by the size it is drawn at). */
  onDropType(type: string, place: (node: PipelineNode) => Position): void;
  /** A connection was refused; `reason` says why. */
  onRefused(reason: string): void;
  onNodeClick?(id: string): void;
  /** Right-click on a node, at this point of the page. */
  onNodeMenu?(id: string, at: { x: number; y: number }): void;
  /** Enter on a focused node: React Flow has selected it; the inspector takes the focus. */
  onOpenNode?(id: string): void;
}

export function Canvas({ store, onDropType, onRefused, onNodeClick, onNodeMenu, onOpenNode }: Props) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const { screenToFlowPosition } = useReactFlow();
  const [detail, toggleDetail] = useCardDetailSetting();

  const isValidConnection = useCallback((c: Connection | Edge) => store.connectionProblem(c) === null, [store]);
  const onConnect = useCallback(
    (c: Connection) => {
      const problem = store.connect(c);
      if (problem) onRefused(problem);
    },
    [store, onRefused],
  );
  // a drop on a handle that isValidConnection turned down: say why instead of doing nothing
  const onConnectEnd = useCallback(
    (_: MouseEvent | TouchEvent, connection: FinalConnectionState) => {
      if (connection.isValid !== false || !connection.toHandle || !connection.fromHandle) return;
      const fromSource = connection.fromHandle.type === 'source';
      const [source, target] = fromSource ? [connection.fromHandle, connection.toHandle] : [connection.toHandle, connection.fromHandle];
      const problem = store.connectionProblem({ source: source.nodeId, sourceHandle: source.id, target: target.nodeId, targetHandle: target.id });
      if (problem) onRefused(problem);
    },
    [store, onRefused],
  );
  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(NODE_DRAG_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(NODE_DRAG_TYPE);
      if (!type) return;
      e.preventDefault();
      const box = e.currentTarget.getBoundingClientRect();
      const cursor = { x: e.clientX, y: e.clientY };
      // a new node touches no edge yet
      onDropType(type, (node) => dropPosition(box, cursor, screenToFlowPosition, drawnSize(node, [], detail)));
    },
    [onDropType, screenToFlowPosition, detail],
  );
  const handleNodeClick: NodeMouseHandler<FlowNode> = useCallback((_, node) => onNodeClick?.(node.id), [onNodeClick]);
  const handleNodeMenu: NodeMouseHandler<FlowNode> = useCallback(
    (e, node) => {
      if (!onNodeMenu) return;
      e.preventDefault();
      onNodeMenu(node.id, { x: e.clientX, y: e.clientY });
    },
    [onNodeMenu],
  );

  // React Flow's own key handling runs first, on the node: Enter and Space select it, arrows move the selection
  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key !== 'Enter' || !target.classList.contains('react-flow__node') || !target.dataset.id) return;
      onOpenNode?.(target.dataset.id);
    },
    [onOpenNode],
  );

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop} onKeyDown={onKeyDown}>
      <CardDetailContext.Provider value={detail}>
        <ReactFlow<FlowNode, FlowEdge>
          nodes={state.nodes}
          edges={state.edges}
          nodeTypes={nodeTypes}
          onNodesChange={store.onNodesChange}
          onEdgesChange={store.onEdgesChange}
          onConnect={onConnect}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeClick={handleNodeClick}
          onNodeContextMenu={handleNodeMenu}
          nodesDraggable={!state.readOnly}
          nodesConnectable={!state.readOnly}
          deleteKeyCode={null}
          // a small pipeline is drawn whole, so nothing pops in while panning or zooming in; a big
          // one draws what is in view
          onlyRenderVisibleElements={state.nodes.length > LEGIBLE_MAX_NODES}
          nodesFocusable
          edgesFocusable
          minZoom={0.05}
          maxZoom={2}
          colorMode="system"
        >
          <Background />
          <MiniMap<FlowNode> pannable zoomable nodeColor={minimapColor} data-testid="minimap" />
          <Controls showInteractive={false} />
          <Panel position="top-right">
            <button type="button" className="card-toggle" aria-pressed={detail === 'compact'} onClick={toggleDetail} data-testid="card-detail-toggle" title="Compact cards show only titles and ports (big pipelines)">
              Compact cards
            </button>
          </Panel>
        </ReactFlow>
      </CardDetailContext.Provider>
    </div>
  );
}
