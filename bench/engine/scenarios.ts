// One series per process, so each engine's peak RSS is its own: only that engine's module is imported.
import { nodeCount, SHAPES, SIZES, type Shape } from './shapes';

export type Series = 'patchbay' | 'langchain' | 'validation' | 'map';

export interface Figure {
  shape: Shape;
  size: number;
  usPerNode: number;
}

export interface SeriesResult {
  series: Series;
  figures: Figure[];
  peakRssMb: number;
  /** The `map` series: a map node over many items beside a loop of runs. */
  map?: import('./map-graphs').MapFigures;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Median µs per node over `samples` samples, each repeating the whole run enough times to be measurable. */
async function measure(run: () => Promise<unknown>, nodes: number, samples: number, warmup: number): Promise<number> {
  const repeat = Math.max(1, Math.round(2_000 / nodes));
  const perNode: number[] = [];
  for (let s = 0; s < warmup + samples; s++) {
    globalThis.gc?.();
    const t0 = performance.now();
    for (let r = 0; r < repeat; r++) await run();
    const us = ((performance.now() - t0) * 1000) / (repeat * nodes);
    if (s >= warmup) perNode.push(us);
  }
  return median(perNode);
}

export async function runSeries(series: Series, quick: boolean): Promise<SeriesResult> {
  const samples = quick ? 3 : 15;
  const warmup = quick ? 2 : 5;
  const figures: Figure[] = [];
  if (series === 'map') {
    const { mapFigures } = await import('./map-graphs');
    return { series, figures, peakRssMb: process.resourceUsage().maxRSS / 1024, map: await mapFigures(quick) };
  }
  if (series === 'validation') {
    const { validationRunner } = await import('./patchbay-graphs');
    figures.push({ shape: 'chain', size: 1000, usPerNode: await measure(validationRunner(1000), 1000, samples, warmup) });
  } else {
    const runner = series === 'patchbay' ? (await import('./patchbay-graphs')).patchbayRunner : (await import('./langchain-graphs')).langchainRunner;
    for (const size of SIZES) {
      for (const shape of SHAPES) {
        figures.push({ shape, size, usPerNode: await measure(runner(shape, size), nodeCount(shape, size), samples, warmup) });
      }
    }
  }
  return { series, figures, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}
