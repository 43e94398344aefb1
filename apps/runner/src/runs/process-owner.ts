import fs from 'node:fs';
import os from 'node:os';

/**
 * Who owns a `running` row: `host:pid:start`, where `start` is the process's
 * start time (clock ticks since boot, /proc/PID/stat field 22). A restart
 * interrupts the rows of processes that are gone; the start time tells a pid
 * that was reused (or a zombie's) from the process that wrote the row.
 */

/** A process's start time in clock ticks since boot, or undefined where /proc is not there (macOS) or the pid is gone. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); a zombie ('Z') or dead ('X') process owns nothing any more.
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

const ownStart = processStartTicks(process.pid);

/** This process, as recorded on its running rows. */
export const PROCESS_OWNER = ownStart === undefined ? `${os.hostname()}:${process.pid}` : `${os.hostname()}:${process.pid}:${ownStart}`;

/** True when `owner` is a live process on this host other than this one (another host's: assumed alive). */
export function isOwnerAlive(owner: string): boolean {
  const [host, pidText, start] = splitOwner(owner);
  // Another host's process cannot be checked from here: leave its runs alone.
  if (host !== os.hostname()) return true;
  const pid = Number(pidText);
  // This process has just started, so a row naming its pid is from an earlier one (pid reuse, e.g. pid 1 in a container).
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  const now = processStartTicks(pid);
  if (now !== undefined) return start === undefined || now === start;
  if (fs.existsSync('/proc/self/stat')) return false; // /proc is there and the pid is not (or is a zombie): gone
  // No /proc: all we can ask is whether the pid exists.
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `host:pid` (before start times were recorded) or `host:pid:start`; a host name has no ':' but an IPv6-ish one might, so split from the right. */
function splitOwner(owner: string): [string, string, string | undefined] {
  const parts = owner.split(':');
  if (parts.length >= 3 && /^\d+$/.test(parts[parts.length - 1]) && /^\d+$/.test(parts[parts.length - 2])) {
    return [parts.slice(0, -2).join(':'), parts[parts.length - 2], parts[parts.length - 1]];
  }
  return [parts.slice(0, -1).join(':'), parts[parts.length - 1], undefined];
}
