// Processes below a process, each named by pid and start time so that a reused pid is never taken
// for one of them, and the means to stop a set of them: a signal to each, then SIGKILL to what is
// left after a grace period. Knows nothing about programs (supervisor/leftovers.ts decides whose).
import { sendSignal } from "./kill.ts";
import { readChildren, readOwnChildren, readStat } from "./procfs.ts";
import { isSpawnedChild } from "./reaper.ts";

/** One process: a pid alone may be reused once the process is gone, a pid with its start time not. */
export interface ProcessIdentity {
  pid: number;
  startTicks: number;
}

// The live process `pid` is (a zombie has ended: it only waits to be reaped); null when gone.
export function identify(pid: number): ProcessIdentity | null {
  const stat = readStat(pid);
  return stat === null || stat.state === "Z" ? null : { pid, startTicks: stat.startTicks };
}

// Is it still running, as the same process?
export function isRunning(id: ProcessIdentity): boolean {
  return identify(id.pid)?.startTicks === id.startTicks;
}

// `root` and every live process below it (children, theirs, ...), root first.
export function subtree(root: number): ProcessIdentity[] {
  const found: ProcessIdentity[] = [];
  const seen = new Set<number>();
  for (const stack = [root]; stack.length > 0; ) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const id = identify(pid);
    if (id !== null) found.push(id);
    stack.push(...readChildren(pid)); // a zombie's children have been re-parented already: none
  }
  return found;
}

// Signal it unless its pid now names another process; false when it is gone.
export function signalProcess(id: ProcessIdentity, signal: string): boolean {
  // The window between this check and the kill is a few microseconds; a pid is reused only after the
  // process is reaped, and an orphan is reaped by tsvisor itself (os/reaper.ts), on this thread.
  return isRunning(id) && sendSignal(id.pid, signal, false);
}

// One list with each process once.
export function uniqueProcesses(ids: Iterable<ProcessIdentity>): ProcessIdentity[] {
  const byKey = new Map<string, ProcessIdentity>();
  for (const id of ids) byKey.set(`${id.pid}:${id.startTicks}`, id);
  return [...byKey.values()];
}

// Every process below this one, children and their descendants: what it started, and orphans it
// (as PID 1 or as a subreaper) has taken in. `orphansOnly`: leave out Bun's own children (programs,
// hooks, event listeners, probes) and what runs below them.
export function ownDescendants(options: { orphansOnly?: boolean } = {}): ProcessIdentity[] {
  const roots = readOwnChildren().filter((pid) => !(options.orphansOnly && isSpawnedChild(pid)));
  return uniqueProcesses(roots.flatMap(subtree));
}

const POLL_MS = 50;
const KILL_WAIT_MS = 1000;

// Send `signal` to every process `find()` returns, then again to each that `find()` turns up later,
// until none is left; SIGKILL after `graceMs`. Resolves with how many were still running at the SIGKILL.
export async function stopProcesses(find: () => ProcessIdentity[], signal: string, graceMs: number): Promise<number> {
  const signalled = new Set<string>();
  const deadline = Date.now() + graceMs;
  for (;;) {
    const live = find();
    if (live.length === 0) return 0;
    if (Date.now() >= deadline) {
      for (const id of live) signalProcess(id, "KILL");
      // SIGKILL cannot be caught, but the kernel takes a moment to end a large process
      for (const until = Date.now() + KILL_WAIT_MS; find().length > 0 && Date.now() < until; ) await Bun.sleep(POLL_MS);
      return live.length;
    }
    for (const id of live) {
      const key = `${id.pid}:${id.startTicks}`;
      if (!signalled.has(key) && signalProcess(id, signal)) signalled.add(key);
    }
    await Bun.sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}
