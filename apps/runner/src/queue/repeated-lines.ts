/**
 * A log that writes a line once and then, while the same line keeps coming, at most once a minute
 * with how many times it came meanwhile. While Redis is away every BullMQ connection reports each
 * reconnect attempt (a few a second in one worker): an hour's outage was thousands of equal lines.
 */
export function withoutRepeats(log: (line: string) => void, windowMs = 60_000): (line: string) => void {
  const seen = new Map<string, { at: number; repeats: number }>();
  return (line) => {
    const now = Date.now();
    const last = seen.get(line);
    if (last && now - last.at < windowMs) {
      last.repeats++;
      return;
    }
    seen.set(line, { at: now, repeats: 0 });
    log(last?.repeats ? `${line} (${last.repeats} more times in the last ${Math.round((now - last.at) / 1000)} s)` : line);
    // Lines that name a job differ each time: forget the old ones rather than keep them all.
    if (seen.size > 1_000) for (const [key, entry] of seen) if (now - entry.at >= windowMs) seen.delete(key);
  };
}
