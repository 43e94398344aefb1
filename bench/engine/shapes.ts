export type Shape = 'chain' | 'fanout';
export const SHAPES: Shape[] = ['chain', 'fanout'];
export const SIZES = [10, 100, 1000] as const;

/** Nodes in a graph of a shape: a fan-out has its root besides the branches. */
export const nodeCount = (shape: Shape, size: number) => size + (shape === 'fanout' ? 1 : 0);
