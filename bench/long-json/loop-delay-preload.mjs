// Loaded into the runner by the long-json bench (node --import): its event loop's longest delay, read on SIGUSR2.
// Each signal appends the longest delay (ms) since the last one to LONG_JSON_DELAY_FILE and starts over.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
process.on('SIGUSR2', () => {
  appendFileSync(process.env.LONG_JSON_DELAY_FILE, `${(histogram.max / 1e6).toFixed(1)}\n`);
  histogram.reset();
});
