/**
 * How `serve` and `worker` end: the first SIGTERM or SIGINT writes `message`
 * and runs `stop`; the promise resolves once it settled (a failure is handed
 * to `onError`, the process still stops). A second Ctrl-C means "now" (exit
 * 130); a repeated SIGTERM changes nothing. Afterwards, a stray handle (an MCP
 * child, a socket) that still holds the loop must not hang the process: 2 s
 * later it exits anyway, and says what held it.
 */
export async function untilStopSignal(stderr: { write(text: string): unknown }, message: string, stop: () => Promise<unknown>, onError: (err: unknown) => void = () => {}): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        if (signal === 'SIGINT') process.exit(130);
        return;
      }
      stopping = true;
      stderr.write(`${signal}: ${message}\n`);
      void stop().then(
        () => resolve(),
        (err) => {
          onError(err);
          resolve();
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // Said when it happens: a handle left open is a leak to fix, not only a slower stop.
  setTimeout(() => {
    stderr.write(`stopped, but the process was still held after 2 s (${heldBy()}): exiting anyway\n`);
    process.exit(process.exitCode ?? 0);
  }, 2_000).unref();
}

/** What keeps the event loop alive, by kind of handle: "TCPSocketWrap ×2, PipeWrap". */
function heldBy(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}
