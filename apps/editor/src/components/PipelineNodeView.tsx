import { memo, useEffect, useRef } from 'react';
import { Handle, Position, useStore, useUpdateNodeInternals, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { getNodeType, PORT_TYPE_COLORS, type SummaryLine } from '@patchbay/core';
import type { FlowNode, PortView } from '../lib/flow-model';
import { typeTitle } from '../lib/flow-model';
// geometry shared by both levels of detail, so a node keeps its size and its handles their
// places when the zoom crosses DETAIL_ZOOM
import { HEADER_PX, PORTS_PADDING_PX, ROW_PX, nodeHeight, summaryHeight } from '../lib/node-size';
import { runFigures } from '../lib/run-figures';
import type { NodeRunState } from '../lib/run-store';
import { useNodePinned, useNodeProblems, useNodeRun } from './CanvasContext';
import { useCardDetail } from './card-detail';
import { shownText } from './LongValue';

/** Below this zoom port names are unreadable: nodes are drawn as boxes with handles only. */
export const DETAIL_ZOOM = 0.35;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;


/**
 * One node on the canvas: what its type says it does (detailed cards), its ports as
 * coloured handles, its run state as the border and a chip with duration, tokens and
 * cost (detailed cards), streamed LLM text, and a badge with its validation problems.
 * Memoised: a node re-renders when its own data, run state or problems change.
 */
function PipelineNodeViewImpl({ id, data }: NodeProps<FlowNode>) {
  const { node, ports, diff, summary } = data;
  const run = useNodeRun(id);
  const problems = useNodeProblems(id);
  const pinned = useNodePinned(id);
  const zoomOut = useStore(zoomedOut);
  const detailed = useCardDetail() === 'detailed';
  const lines = detailed ? summary : NO_LINES;
  const updateInternals = useUpdateNodeInternals();
  const portKey = ports.inputs.map((p) => p.name).join(',') + '|' + ports.outputs.map((p) => p.name).join(',');
  // handles appear and vanish as template variables are typed: React Flow must re-read them.
  // Not on mount (React Flow measures new nodes itself): a call per node would make opening a
  // 1,000-node pipeline re-measure the canvas a thousand times.
  const drawnPorts = useRef(portKey);
  useEffect(() => {
    if (drawnPorts.current === portKey) return;
    drawnPorts.current = portKey;
    updateInternals(id);
  }, [id, portKey, updateInternals]);

  const rows = Math.max(1, ports.inputs.length, ports.outputs.length);
  const common = {
    'data-testid': `node-${id}`,
    'data-status': run?.status,
    'data-diff': diff,
    'data-pinned': pinned || undefined,
    'data-detail': detailed ? 'detailed' : 'compact',
    title: problems.map((p) => p.message).join('\n') || undefined,
  };
  const header = (
    <header>
      <span className="type">{typeTitle(node.type)}</span>
      <span className="name">{node.label ?? id}</span>
      {pinned && (
        <span className="pin-badge" data-testid={`node-pinned-${id}`} title="Output pinned: editor runs use it instead of running this node">
          pinned
        </span>
      )}
      {problems.length > 0 && (
        <span className="problem-badge" data-testid={`node-problems-${id}`} aria-label={`${problems.length} problem${problems.length === 1 ? '' : 's'}`}>
          {problems.length}
        </span>
      )}
    </header>
  );

  if (zoomOut) {
    // a zoomed-out overview of a big pipeline: a third of the elements, same size and handle places
    const top = HEADER_PX + summaryHeight(lines.length) + PORTS_PADDING_PX + ROW_PX / 2;
    return (
      <div className="pb-node overview" {...common} style={{ height: nodeHeight(rows, lines.length) }}>
        {header}
        {ports.inputs.map((port, i) => (
          <PortHandle key={port.name} nodeId={id} port={port} side="in" top={top + i * ROW_PX} />
        ))}
        {ports.outputs.map((port, i) => (
          <PortHandle key={port.name} nodeId={id} port={port} side="out" top={top + i * ROW_PX} />
        ))}
      </div>
    );
  }

  return (
    <div className="pb-node" {...common}>
      {header}
      {lines.length > 0 && <Summary id={id} lines={lines} />}
      <div className="ports">
        <div>
          {ports.inputs.map((port) => (
            <PortRow key={port.name} nodeId={id} port={port} side="in" />
          ))}
        </div>
        <div>
          {ports.outputs.map((port) => (
            <PortRow key={port.name} nodeId={id} port={port} side="out" />
          ))}
        </div>
      </div>
      {detailed && run && <RunChip id={id} run={run} />}
      {run?.text && getNodeType(node.type)?.streamedOutput && (
        <div className="stream" data-testid={`node-text-${id}`}>
          {shownText(run.text)}
        </div>
      )}
      {run?.error && (
        <div className="node-error" data-testid={`node-error-${id}`}>
          {run.error}
        </div>
      )}
    </div>
  );
}

const NO_LINES: SummaryLine[] = [];

/** The node type's own summary of this node: label, then the setting (full text on hover). */
function Summary({ id, lines }: { id: string; lines: SummaryLine[] }) {
  return (
    <dl className="summary" data-testid={`node-summary-${id}`}>
      {lines.map((line, i) => (
        <div key={i} className="summary-line" title={`${line.label}: ${line.text}`}>
          <dt>{line.label}</dt>
          <dd className={line.code ? 'mono' : undefined}>{line.text}</dd>
        </div>
      ))}
    </dl>
  );
}

const STATUS_MARK: Record<string, string> = { succeeded: '✓', failed: '✕', skipped: '–', cancelled: '■', running: '…' };

/** After (or during) a run: the node's status in words, and its duration, tokens and cost. */
function RunChip({ id, run }: { id: string; run: NodeRunState }) {
  const figures = runFigures(run.trace);
  return (
    <div className={`run-chip ${run.status}`} data-testid={`node-chip-${id}`}>
      <span aria-hidden="true">{STATUS_MARK[run.status] ?? ''}</span> {[run.status, ...figures].join(' · ')}
    </div>
  );
}

function PortHandle({ nodeId, port, side, top }: { nodeId: string; port: PortView; side: 'in' | 'out'; top?: number }) {
  return (
    <Handle
      type={side === 'in' ? 'target' : 'source'}
      position={side === 'in' ? Position.Left : Position.Right}
      id={port.name}
      style={{ background: port.missing ? 'var(--danger)' : PORT_TYPE_COLORS[port.type], top }}
      data-testid={`handle-${nodeId}-${side}-${port.name}`}
      data-port-type={port.type}
    />
  );
}

function PortRow({ nodeId, port, side }: { nodeId: string; port: PortView; side: 'in' | 'out' }) {
  return (
    <div className={`port ${side}${port.missing ? ' missing' : ''}`} title={port.missing ? `${port.name}: this node has no such port any more` : `${port.name}: ${port.type}`}>
      <PortHandle nodeId={nodeId} port={port} side={side} />
      <span className="port-label">
        {port.name}
        <span className="ptype">{port.type}</span>
      </span>
    </div>
  );
}

// Only `id` and `data` shape what is drawn: React Flow also passes sizes, positions and
// z-order, which change for every node when the canvas is measured or a node is dragged.
export const PipelineNodeView = memo(PipelineNodeViewImpl, (a, b) => a.id === b.id && a.data === b.data);
