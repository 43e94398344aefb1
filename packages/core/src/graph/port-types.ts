import type { PortType } from '../nodes/types';
import type { Document } from '../engine/services';

/**
 * DESIGN.md: a connection is valid when the types are equal, the target is
 * `any`/`json`, or a declared coercion exists (number/boolean → string,
 * documents → string joins texts). An `any` source fits every target.
 */
export function canConnect(from: PortType, to: PortType): boolean {
  if (from === to || to === 'any' || to === 'json' || from === 'any') return true;
  return to === 'string' && (from === 'number' || from === 'boolean' || from === 'documents');
}

/** Why a connection is refused, or null when it is fine (the editor shows this on a refused drop). */
export function connectionProblem(from: PortType, to: PortType): string | null {
  return canConnect(from, to) ? null : `a ${from} output cannot feed a ${to} input (no coercion from ${from} to ${to})`;
}

/** Converts a value crossing an edge from one port type to another. */
export function coerce(value: unknown, from: PortType, to: PortType): unknown {
  if (from === to || to !== 'string' || value === undefined || value === null) return value;
  if (from === 'documents' && Array.isArray(value)) return (value as Document[]).map((d) => d?.text ?? '').join('\n\n');
  if (from === 'number' || from === 'boolean') return String(value);
  return value;
}

/** Colours for the editor's handles, one per port type (kept beside the types so they stay in step). */
export const PORT_TYPE_COLORS: Record<PortType, string> = {
  string: '#3b82f6',
  number: '#f59e0b',
  boolean: '#a855f7',
  json: '#10b981',
  documents: '#ef4444',
  messages: '#ec4899',
  any: '#6b7280',
};
