/** A duration as the run panels print it: one decimal under 10 ms, whole milliseconds above. */
export const formatMs = (ms: number): string => (ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
