import { memo, useEffect, useRef } from 'react';
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { PORT_TYPE_COLORS } from '@patchbay/core';
import type { FlowNode, PortView } from '../lib/flow-model';
import { typeTitle } from '../lib/flow-model';
import { useNodeProblems, useNodeRun } from './CanvasContext';

/**
 * One node on the canvas: its ports as coloured handles, its run state as the
 * border, streamed LLM text, and a badge with its validation problems.
 * Memoised: a node re-renders when its own data, run state or problems change.
 */
function PipelineNodeViewImpl({ id, data }: NodeProps<FlowNode>) {
  const { node, ports, diff } = data;
  const run = useNodeRun(id);
  const problems = useNodeProblems(id);
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

  const rows = Math.max(ports.inputs.length, ports.outputs.length);
  return (
    <div className="pb-node" data-testid={`node-${id}`} data-status={run?.status} data-diff={diff} title={problems.map((p) => p.message).join('\n') || undefined}>
      <header>
        <span className="type">{typeTitle(node.type)}</span>
        <span className="name">{node.label ?? id}</span>
        {problems.length > 0 && (
          <span className="problem-badge" data-testid={`node-problems-${id}`}>
            {problems.length}
          </span>
        )}
      </header>
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
      {rows === 0 && <div className="muted" style={{ padding: '2px 8px' }}>no ports</div>}
      {run?.text && (node.type === 'llm' || node.type === 'agent') && (
        <div className="stream" data-testid={`node-text-${id}`}>
          {run.text}
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

function PortRow({ nodeId, port, side }: { nodeId: string; port: PortView; side: 'in' | 'out' }) {
  const color = port.missing ? 'var(--danger)' : PORT_TYPE_COLORS[port.type];
  return (
    <div className={`port ${side}${port.missing ? ' missing' : ''}`} title={port.missing ? `${port.name}: this node has no such port any more` : `${port.name}: ${port.type}`}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        style={{ background: color }}
        data-testid={`handle-${nodeId}-${side}-${port.name}`}
        data-port-type={port.type}
      />
      {port.name}
      <span className="ptype">{port.type}</span>
    </div>
  );
}

export const PipelineNodeView = memo(PipelineNodeViewImpl);
