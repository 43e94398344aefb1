// The peer: the same graphs in LangChain.js, RunnableSequence / RunnableParallel of identity RunnableLambdas.
import { RunnableLambda, RunnableParallel, RunnableSequence, type Runnable } from '@langchain/core/runnables';
import type { Shape } from './shapes';

function graph(shape: Shape, size: number): Runnable {
  const noop = () => RunnableLambda.from((x: unknown) => x);
  if (shape === 'chain') {
    const [first, ...rest] = Array.from({ length: size }, noop);
    const last = rest.pop()!;
    return RunnableSequence.from([first, ...rest, last]);
  }
  const branches = Object.fromEntries(Array.from({ length: size }, (_, i) => [`n${i + 1}`, noop()]));
  return RunnableSequence.from([noop(), RunnableParallel.from(branches)]);
}

export function langchainRunner(shape: Shape, size: number): () => Promise<unknown> {
  const runnable = graph(shape, size);
  return () => runnable.invoke(1);
}
