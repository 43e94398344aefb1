import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';
import { contentHash, getNodeType, MAX_NODE_ID_LENGTH, NODE_ID_PATTERN, parseEdgeEnd, type PipelineDocument, type PipelineEdge, type PipelineNode, type Position } from '@patchbay/core';
import { copyNodes, pasteNodes, type ClipboardPayload } from './clipboard';
import { whyNotConnect, type ConnectionAttempt } from './connection-rules';
import { documentMeta, fromFlow, toFlow, type DocumentMeta, type FlowEdge, type FlowNode } from './flow-model';
import type { EdgeMark, NodeMark } from './diff-overlay';
import { History } from './history';
import { idBase, uniqueName } from './node-ids';

export interface CanvasState {
  meta: DocumentMeta;
  nodes: FlowNode[];
  edges: FlowEdge[];
  /** Edges whose node does not exist: not drawable, kept so a save does not drop them silently. */
  dangling: PipelineEdge[];
  readOnly: boolean;
  /** Bumped by every change, including moves and selection. */
  revision: number;
  /** Bumped by changes that matter to validation (not moves, not selection). */
  structure: number;
  /** The canvas differs from what was last loaded or saved (by content hash: behaviour and layout), not merely "was edited". */
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
}

export interface DiffMarks {
  nodes: ReadonlyMap<string, NodeMark>;
  edges: ReadonlyMap<string, EdgeMark>;
}

export type NodePatch = Partial<Pick<PipelineNode, 'config' | 'label' | 'timeoutMs' | 'retries'>>;

/**
 * The canvas's state, framework-free: React Flow's nodes and edges (so drags
 * stay cheap at 1,000 nodes), with the pipeline document derived from them on
 * demand. Every edit goes through here, so undo/redo sees all of them.
 */
export class EditorStore {
  private state: CanvasState;
  private readonly history = new History<PipelineDocument>();
  private readonly listeners = new Set<() => void>();
  private docCache: { revision: number; doc: PipelineDocument } | undefined;
  private dragging = false;
  /** contentHash of the document as last loaded or saved: what `dirty` compares with. */
  private savedHash = '';
  /** Node sizes as React Flow measured them (see onNodesChange). */
  private readonly sizes = new Map<string, { width: number; height: number }>();

  constructor(doc: PipelineDocument, options: { readOnly?: boolean } = {}) {
    this.state = this.stateFor(doc, options.readOnly ?? false, undefined);
    this.savedHash = contentHash(this.document());
  }

  getState = (): CanvasState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The pipeline document the canvas shows now. */
  document(): PipelineDocument {
    if (this.docCache?.revision !== this.state.revision) {
      const { meta, nodes, edges, dangling } = this.state;
      this.docCache = { revision: this.state.revision, doc: fromFlow(meta, nodes, edges, dangling) };
    }
    return this.docCache.doc;
  }

  /**
   * Shows another document; forgets undo history. Every node must have a
   * position (layout.ts placeMissing). `marks` colour nodes and edges for a diff.
   */
  load(doc: PipelineDocument, options: { readOnly?: boolean; marks?: DiffMarks } = {}): void {
    this.history.clear();
    this.sizes.clear(); // another document: its nodes are measured afresh
    const state = this.stateFor(doc, options.readOnly ?? false, undefined);
    const marks = options.marks;
    if (marks) {
      state.nodes = state.nodes.map((n) => {
        const mark = marks.nodes.get(n.id);
        return mark ? { ...n, className: `diff-${mark}`, data: { ...n.data, diff: mark } } : n;
      });
      state.edges = state.edges.map((e) => {
        const mark = marks.edges.get(e.id);
        return mark ? { ...e, className: `diff-${mark}`, data: { portType: e.data?.portType ?? 'any', diff: mark } } : e;
      });
    }
    this.set(state);
    this.savedHash = contentHash(this.document());
  }

  /** After a successful save: the canvas now matches a stored version. */
  markSaved(): void {
    this.savedHash = contentHash(this.document());
    this.set({ ...this.state, dirty: false });
  }

  /** The document a state shows (what document() gives once it is set). */
  private documentOf(state: CanvasState): PipelineDocument {
    return fromFlow(state.meta, state.nodes, state.edges, state.dangling);
  }

  /** Whether `doc` differs from the document last loaded or saved. */
  private differs(doc: PipelineDocument): boolean {
    return contentHash(doc) !== this.savedHash;
  }

  setReadOnly(readOnly: boolean): void {
    this.set({ ...this.state, readOnly, nodes: this.state.nodes.map((n) => ({ ...n, draggable: !readOnly, connectable: !readOnly })) });
  }

  // --- React Flow callbacks -------------------------------------------------

  onNodesChange = (changes: NodeChange<FlowNode>[]): void => {
    const relevant = this.state.readOnly ? changes.filter((c) => c.type === 'select' || c.type === 'dimensions') : changes.filter((c) => c.type !== 'remove');
    if (relevant.length === 0) return;
    // React Flow reports each node's size as it measures it and keeps the measurement in its
    // own store; handing it back in new node objects would re-render every node once more
    // (a 1,000-node canvas, twice). Sizes are noted here and given to node objects only when
    // an edit replaces them anyway, so React Flow does not measure those again.
    const sized = relevant.filter((c) => c.type === 'dimensions');
    for (const c of sized) if (c.type === 'dimensions' && c.dimensions) this.sizes.set(c.id, c.dimensions);
    if (sized.length === relevant.length) return;
    const others = relevant.filter((c) => c.type !== 'dimensions');
    const move = others.find((c) => c.type === 'position');
    if (move && move.type === 'position') {
      // one undo step per drag, recorded at its first frame
      if (move.dragging && !this.dragging) this.history.record(this.document());
      this.dragging = !!move.dragging;
    }
    const moved = others.some((c) => c.type === 'position');
    this.set({ ...this.state, nodes: this.withSizes(applyNodeChanges(others, this.state.nodes), this.state.nodes), dirty: this.state.dirty || moved });
    // While dragging a move is a change; where the drag ends decides (dropped back in place: clean).
    if (moved && !this.dragging) this.set({ ...this.state, dirty: this.differs(this.document()) });
  };

  /** The size React Flow measured for a node, if it has. */
  measuredSize(id: string): { width: number; height: number } | undefined {
    return this.sizes.get(id);
  }

  /** Node objects new since `before` carry their measured size, so React Flow shows them at once instead of measuring again. */
  private withSizes(nodes: FlowNode[], before: readonly FlowNode[]): FlowNode[] {
    const unchanged = new Set(before);
    return nodes.map((n) => {
      const size = unchanged.has(n) || n.measured?.width ? undefined : this.sizes.get(n.id);
      return size ? { ...n, measured: size } : n;
    });
  }

  onEdgesChange = (changes: EdgeChange<FlowEdge>[]): void => {
    const selections = changes.filter((c) => c.type === 'select');
    if (selections.length) this.set({ ...this.state, edges: applyEdgeChanges(selections, this.state.edges) });
  };

  /** Why this connection would be refused, or null. Cheap enough for `isValidConnection` while dragging. */
  connectionProblem = (attempt: ConnectionAttempt): string | null => {
    if (this.state.readOnly) return 'this version is read-only';
    return whyNotConnect(attempt, this.nodeMap(), this.state.edges);
  };

  /** Adds the edge (replacing whatever fed that input before); returns the refusal instead when there is one. */
  connect = (attempt: ConnectionAttempt): string | null => {
    const problem = this.connectionProblem(attempt);
    if (problem) return problem;
    const edge = { from: `${attempt.source}.${attempt.sourceHandle}`, to: `${attempt.target}.${attempt.targetHandle}` };
    const doc = this.document();
    this.change({ ...doc, edges: [...doc.edges.filter((e) => e.to !== edge.to), edge] });
    return null;
  };

  // --- edits ---------------------------------------------------------------

  /** Adds a node of `type` at `at`, or where `at` places the node as made (its id, and the unique name an input or output gets). */
  addNode(type: string, at: Position | ((node: PipelineNode) => Position), config: Record<string, unknown>): string {
    const doc = this.document();
    const ids = new Set(doc.nodes.map((n) => n.id));
    const id = uniqueName(idBase(type), ids);
    if ((type === 'input' || type === 'output') && 'name' in config) {
      const names = new Set(doc.nodes.filter((n) => n.type === type).map((n) => String(n.config.name)));
      config = { ...config, name: uniqueName(type === 'input' ? 'input' : 'output', names) };
    }
    const position = typeof at === 'function' ? at({ id, type, config }) : at;
    const node: PipelineNode = { id, type, position: { x: Math.round(position.x), y: Math.round(position.y) }, config };
    this.change({ ...doc, nodes: [...doc.nodes, node] }, { select: [id] });
    return id;
  }

  /** Changes a node's config or settings. `coalesce` names the field being typed in, so one edit is one undo step. */
  updateNode(id: string, patch: NodePatch, coalesce?: string): void {
    const doc = this.document();
    const nodes = doc.nodes.map((n) => {
      if (n.id !== id) return n;
      const next: PipelineNode = { ...n, ...patch };
      for (const key of Object.keys(patch) as (keyof NodePatch)[]) if (patch[key] === undefined) delete next[key];
      return next;
    });
    this.change({ ...doc, nodes }, { coalesce: coalesce && `${id}:${coalesce}`, keepSelection: true });
  }

  /**
   * Renames a node; the edges follow. Returns why it was refused (an id that is not
   * `[A-Za-z][A-Za-z0-9_-]*` of at most MAX_NODE_ID_LENGTH, or one another node has), or null.
   */
  renameNode(from: string, to: string): string | null {
    if (this.state.readOnly) return 'this version is read-only';
    if (to === from) return null;
    if (!NODE_ID_PATTERN.test(to)) return 'An id starts with a letter and has only letters, digits, "_" and "-".';
    if (to.length > MAX_NODE_ID_LENGTH) return `An id is at most ${MAX_NODE_ID_LENGTH} characters.`;
    const doc = this.document();
    if (doc.nodes.some((n) => n.id === to)) return `There is already a node "${to}".`;
    const end = (e: string) => {
      const { node, port } = parseEdgeEnd(e);
      return node === from ? `${to}.${port}` : e;
    };
    this.change(
      {
        ...doc,
        nodes: doc.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
        edges: doc.edges.map((e) => ({ ...e, from: end(e.from), to: end(e.to) })),
      },
      { select: [to] },
    );
    return null;
  }

  deleteSelection(): void {
    if (this.state.readOnly) return;
    const doomed = new Set(this.state.nodes.filter((n) => n.selected).map((n) => n.id));
    const doomedEdges = new Set(this.state.edges.filter((e) => e.selected).map((e) => e.id));
    if (doomed.size === 0 && doomedEdges.size === 0) return;
    const doc = this.document();
    const edges = doc.edges.filter((e) => !doomedEdges.has(`${e.from}->${e.to}`) && !doomed.has(parseEdgeEnd(e.from).node) && !doomed.has(parseEdgeEnd(e.to).node));
    this.change({ ...doc, nodes: doc.nodes.filter((n) => !doomed.has(n.id)), edges });
  }

  copySelection(): ClipboardPayload | undefined {
    return copyNodes(this.document(), new Set(this.selectedIds()));
  }

  paste(payload: ClipboardPayload): string[] {
    if (this.state.readOnly) return [];
    const doc = this.document();
    const added = pasteNodes(doc, payload);
    const ids = added.nodes.map((n) => n.id);
    this.change({ ...doc, nodes: [...doc.nodes, ...added.nodes], edges: [...doc.edges, ...added.edges] }, { select: ids });
    return ids;
  }

  /** Moves nodes to the given positions (auto-layout) as one undo step. */
  placeNodes(positions: ReadonlyMap<string, Position>): void {
    const doc = this.document();
    this.change({ ...doc, nodes: doc.nodes.map((n) => (positions.has(n.id) ? { ...n, position: positions.get(n.id) } : n)) }, { keepSelection: true });
  }

  undo = (): void => this.travel(this.history.undo(this.document()));
  redo = (): void => this.travel(this.history.redo(this.document()));

  /** Redraws nodes whose ports come from stored pipelines (once a reference resolves); no undo step, dirty unchanged. */
  refreshPorts(): void {
    const keep = this.state.nodes.filter((n) => !getNodeType(n.data.node.type)?.childRefs);
    const selected = new Set(this.selectedIds());
    const next = this.stateFor(this.document(), this.state.readOnly, { ...this.state, nodes: keep });
    next.nodes = next.nodes.map((n) => (!!n.selected === selected.has(n.id) ? n : { ...n, selected: selected.has(n.id) }));
    this.set({ ...next, dirty: this.state.dirty });
  }

  select(ids: readonly string[]): void {
    const wanted = new Set(ids);
    this.set({
      ...this.state,
      nodes: this.state.nodes.map((n) => (!!n.selected === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })),
      edges: this.state.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
    });
  }

  selectedIds(): string[] {
    return this.state.nodes.filter((n) => n.selected).map((n) => n.id);
  }

  // --- internals -------------------------------------------------------------

  private travel(doc: PipelineDocument | undefined): void {
    if (!doc || this.state.readOnly) return;
    const next = this.stateFor(doc, false, this.state);
    this.set({ ...next, dirty: this.differs(this.documentOf(next)) });
  }

  /** Replaces the document after an edit: one undo step (merged with the last one when `coalesce` matches). */
  private change(doc: PipelineDocument, options: { coalesce?: string; select?: string[]; keepSelection?: boolean } = {}): void {
    if (this.state.readOnly) return;
    this.history.record(this.document(), options.coalesce);
    if (!options.coalesce) this.history.seal();
    const selected = new Set(options.select ?? (options.keepSelection ? this.selectedIds() : []));
    const next = this.stateFor(doc, false, this.state);
    next.nodes = next.nodes.map((n) => (!!n.selected === selected.has(n.id) ? n : { ...n, selected: selected.has(n.id) }));
    this.set({ ...next, dirty: this.differs(this.documentOf(next)) });
  }

  private stateFor(doc: PipelineDocument, readOnly: boolean, previous: CanvasState | undefined): CanvasState {
    const flow = toFlow(doc);
    // unchanged nodes and edges keep their objects: memoised node components skip
    // re-rendering and React Flow keeps its measurements
    const oldNodes = new Map(previous?.nodes.map((n) => [n.id, n]));
    const oldEdges = new Map(previous?.edges.map((e) => [e.id, e]));
    const nodes = flow.nodes.map((n) => {
      const old = oldNodes.get(n.id);
      const size = this.sizes.get(n.id);
      const node = old && sameNode(old, n) ? old : size ? { ...n, measured: size } : n;
      const lock = readOnly ? { draggable: false, connectable: false, deletable: false } : undefined;
      return lock ? { ...node, ...lock } : node;
    });
    const edges = flow.edges.map((e) => {
      const old = oldEdges.get(e.id);
      return old && old.data?.portType === e.data?.portType ? old : e;
    });
    const ids = new Set(nodes.map((n) => n.id));
    const dangling = doc.edges.filter((e) => !ids.has(parseEdgeEnd(e.from).node) || !ids.has(parseEdgeEnd(e.to).node));
    return {
      meta: documentMeta(doc),
      nodes,
      edges,
      dangling,
      readOnly,
      revision: 0,
      structure: ((this.state as CanvasState | undefined)?.structure ?? 0) + 1,
      dirty: false,
      canUndo: false,
      canRedo: false,
    };
  }

  private nodeMap(): Map<string, FlowNode> {
    return new Map(this.state.nodes.map((n) => [n.id, n]));
  }

  private set(state: CanvasState): void {
    this.state = { ...state, revision: this.state.revision + 1, canUndo: this.history.canUndo, canRedo: this.history.canRedo };
    this.listeners.forEach((l) => l());
  }
}

/** Same node drawn the same way: config edits replace the config object, so identity tells. */
function sameNode(a: FlowNode, b: FlowNode): boolean {
  const x = a.data.node;
  const y = b.data.node;
  return (
    x.type === y.type &&
    x.config === y.config &&
    x.label === y.label &&
    x.timeoutMs === y.timeoutMs &&
    x.retries === y.retries &&
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    JSON.stringify(a.data.ports) === JSON.stringify(b.data.ports)
  );
}
