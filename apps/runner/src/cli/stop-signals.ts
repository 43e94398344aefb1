/**
 * How `serve` and `worker` end: the first SIGTERM or SIGINT writes `message`
 * and runs `stop`; the promise resolves once it settled (a failure is handed
 * to `onError`, the process still stops). A second Ctrl-C means "now" (exit
 * 130); a repeated SIGTERM changes nothing. Afterwards, a stray handle (an MCP
 * child, a socket) that still holds the loop must not hang the process.
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
  setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
}
