// Zombie reaping for tsvisor as PID 1 or as a child subreaper, without ever taking the exit status of
// a child that Bun.spawn is waiting for (DESIGN "Hard parts"). tini reaps with waitpid(-1); tsvisor
// cannot, because that would also collect its programs, whose statuses drive the state machine.
//
// Bun waits for each child it spawned by pid (pidfd + wait4(pid), or wait4(pid) on its waiter thread
// where pidfd_open is missing) and never calls wait(-1). So the rule here is:
//   reap a child only if its pid is not marked, a pid being marked from the moment Bun.spawn returns
//   it until that child's onExit has run (os/spawn.ts marks and unmarks; it is the only caller of
//   Bun.spawn in src/, which test/architecture.test.ts keeps).
// Why no status can be stolen: Bun.spawn returns on the JS thread and spawn.ts marks the pid before
// any other JS runs, this file's passes included; Bun reaps a child before its onExit runs, and the
// mark goes only in onExit. Marks are counted: if Bun has reaped pid P but P's onExit has not run yet
// and the kernel hands P to a new Bun child, P is marked twice and the old onExit leaves one mark.
// An unmarked zombie is nobody else's to wait for, so its pid cannot be reused before waitpid() here;
// waitpid(pid, WNOHANG) on an unmarked child still running returns 0 and changes nothing.
import { ERRNO, PR_SET_CHILD_SUBREAPER, WNOHANG, errno, libc } from "./libc.ts";
import { readOwnChildren } from "./procfs.ts";
import { type WaitStatus, decodeWaitStatus } from "./wait-status.ts";

/** An orphaned descendant that tsvisor reaped, and how it ended. */
export interface ReapedOrphan {
  pid: number;
  status: WaitStatus;
}

const bunChildren = new Map<number, number>();

// Bun.spawn returned `pid`: from now on it is Bun's to wait for (called by os/spawn.ts only).
export function markSpawned(pid: number): void {
  bunChildren.set(pid, (bunChildren.get(pid) ?? 0) + 1);
}

// The onExit of `pid` has run: Bun has reaped it (called by os/spawn.ts only).
export function markExited(pid: number): void {
  const marks = (bunChildren.get(pid) ?? 0) - 1;
  if (marks > 0) bunChildren.set(pid, marks);
  else bunChildren.delete(pid);
}

// Is `pid` a child Bun may still wait for?
export function isBunChild(pid: number): boolean {
  return bunChildren.has(pid);
}

// One pass: waitpid(pid, WNOHANG) every child of ours that is not Bun's. Returns what it reaped.
export function reapOrphans(): ReapedOrphan[] {
  const reaped: ReapedOrphan[] = [];
  const status = new Int32Array(1);
  for (const pid of readOwnChildren()) {
    if (bunChildren.has(pid)) continue;
    if (libc().waitpid(pid, status, WNOHANG) === pid) reaped.push({ pid, status: decodeWaitStatus(status[0]!) });
  }
  return reaped;
}

/** How orphans come to tsvisor: as PID 1 by the kernel, otherwise as a registered child subreaper. */
export type ReaperRole = { ok: true; role: "pid1" | "subreaper" } | { ok: false; reason: string };

// As PID 1 every orphan in the namespace is ours already; otherwise prctl(PR_SET_CHILD_SUBREAPER)
// makes orphaned descendants come to tsvisor instead of to the real init (Linux >= 3.4).
export function becomeSubreaper(): ReaperRole {
  if (process.pid === 1) return { ok: true, role: "pid1" };
  if (libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0) return { ok: true, role: "subreaper" };
  const code = errno();
  return {
    ok: false,
    reason: code === ERRNO.EINVAL ? "PR_SET_CHILD_SUBREAPER is unavailable on this kernel (Linux >= 3.4 has it)" : `prctl(PR_SET_CHILD_SUBREAPER) failed with errno ${code}`,
  };
}

// A pass after this long with no SIGCHLD catches a child that a /proc read missed while the list of
// children was changing under it (the kernel documents the children file as inexact while it changes).
const RECHECK_MS = 250;

// Reap on every SIGCHLD (a pass repeats until it finds nothing) and once more shortly after the last
// activity; `onReaped` hears of each batch. Returns a stop function that removes the handler.
export function startReaper(onReaped: (orphans: ReapedOrphan[]) => void = () => {}): () => void {
  let recheck: Timer | undefined;
  const pass = () => {
    const all: ReapedOrphan[] = [];
    for (let batch = reapOrphans(); batch.length > 0; batch = reapOrphans()) all.push(...batch);
    if (all.length === 0) return;
    onReaped(all);
    clearTimeout(recheck);
    recheck = setTimeout(pass, RECHECK_MS);
    recheck.unref();
  };
  process.on("SIGCHLD", pass);
  pass(); // orphans that were already waiting before the handler existed
  return () => {
    process.off("SIGCHLD", pass);
    clearTimeout(recheck);
  };
}

// tini's warning, same order: the problem, what it breaks, the fix.
export function describeReaperProblem(reason: string): string {
  return `tsvisor is not PID 1 and could not register as a child subreaper (${reason}). ` +
    "Orphaned processes will not be re-parented to tsvisor, so zombie reaping won't work. " +
    "To fix the problem, run tsvisor as PID 1 (a container's ENTRYPOINT) or on Linux >= 3.4.";
}
