// Zombie reaping for tsvisor as PID 1 or as a child subreaper, without ever taking the exit status of
// a child that Bun.spawn is waiting for (DESIGN "Hard parts"). tini reaps with waitpid(-1); tsvisor
// cannot, because that would also collect its programs, whose statuses drive the state machine.
//
// Bun waits for each child it spawned by pid (pidfd + wait4(pid), or wait4(pid) on its waiter thread
// where pidfd_open is missing) and never calls wait(-1). Programs started by os/native-spawn.ts are
// tsvisor's own to wait for (waitForChild below), by pid too. So the rule here is:
//   reap a child only if its pid is not marked, a pid being marked from the moment Bun.spawn returns
//   it until that child's onExit has run (os/spawn.ts marks and unmarks; it is the only caller of
//   Bun.spawn in src/, which test/architecture.test.ts keeps).
// Why no status can be stolen: Bun.spawn returns on the JS thread and spawn.ts marks the pid before
// any other JS runs, this file's passes included; Bun reaps a child before its onExit runs, and the
// mark goes only in onExit. Marks are counted: if Bun has reaped pid P but P's onExit has not run yet
// and the kernel hands P to a new Bun child, P is marked twice and the old onExit leaves one mark.
// An unmarked zombie is nobody else's to wait for, so its pid cannot be reused before waitpid() here;
// waitpid(pid, WNOHANG) on an unmarked child still running returns 0 and changes nothing.
import { ERRNO, PR_SET_CHILD_SUBREAPER, P_ALL, SIGINFO_PID_OFFSET, WEXITED, WNOHANG, WNOWAIT, errno, libc } from "./libc.ts";
import { readOwnChildren } from "./procfs.ts";
import { type WaitStatus, decodeWaitStatus } from "./wait-status.ts";

/** An orphaned descendant that tsvisor reaped, and how it ended. */
export interface ReapedOrphan {
  pid: number;
  status: WaitStatus;
}

const bunChildren = new Map<number, number>();
// A child of os/native-spawn.ts's, until its end is collected: what to tell then.
const ownChildren = new Map<number, (status: WaitStatus) => void>();

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

// Is `pid` a child that Bun or waitForChild still waits for (a program's, hook's or probe's own process)?
export function isSpawnedChild(pid: number): boolean {
  return bunChildren.has(pid) || ownChildren.has(pid);
}

/** Listen for SIGCHLD before the first child of os/native-spawn.ts is started: none may end unheard. */
export function readyToWaitForChildren(): void {
  if (listening) return;
  process.on("SIGCHLD", collectSoon);
  listening = true;
}
let listening = false;
let collecting: ReturnType<typeof setImmediate> | null = null;
// startReaper's pass for orphans, run after ours are collected.
let orphanPass: (() => void) | null = null;

// The collecting pass runs after the events already waiting (sockets, pipes), not in the signal's
// turn: with 60 programs ending every 0.2 s and started again at once, SIGCHLD came faster than the
// passes it asked for could end, and nothing else ran (red team: status unanswered, SIGTERM unheard,
// the ended programs' pipes never read to their end). Ours first, then orphans: with ours collected,
// the orphan pass usually finds no ended child at all and reads nothing in /proc (reapOrphans).
function collectSoon(): void {
  collecting ??= setImmediate(() => {
    collecting = null;
    if (ownChildren.size > 0) collectOwnChildren();
    orphanPass?.();
  });
}

/**
 * Collect `pid`'s end when it comes and tell `ended` (called by os/spawn.ts for a child of
 * os/native-spawn.ts, before any other JavaScript runs, after readyToWaitForChildren()).
 */
export function waitForChild(pid: number, ended: (status: WaitStatus) => void): void {
  ownChildren.set(pid, ended);
}

// A pass, scheduled by SIGCHLD: collect every child of ours that has ended. waitid(WNOWAIT) names an ended child
// without collecting it: while that is one of ours, it is collected and the next looked at, one call
// each however many run. Another's (Bun's, before Bun has collected it; an orphan) would be named again
// and hide ours behind it: then each of ours is asked by pid (waitpid WNOHANG), as signals coalesce
// and one SIGCHLD may stand for many ends. ECHILD (none of ours: cannot happen while the rule above
// holds) counts as an end too, so that a program is never left running in tsvisor's view of it.
// A pass collects first and tells after, and only the children there were when it began: told, a
// program is started again, and one that ends at once waits for the next pass.
function collectOwnChildren(): void {
  const status = new Int32Array(1);
  const c = libc();
  const collected: [ended: (status: WaitStatus) => void, status: WaitStatus][] = [];
  const collect = (pid: number, s: WaitStatus) => {
    collected.push([ownChildren.get(pid)!, s]);
    ownChildren.delete(pid);
  };
  let peeking = true;
  for (let left = ownChildren.size; left > 0 && peeking; left--) {
    const pid = peekEndedChild();
    if (pid === 0) break; // none has ended
    if (!ownChildren.has(pid)) peeking = false; // another's: the pass below asks each of ours
    else if (c.waitpid(pid, status, WNOHANG) === pid) collect(pid, decodeWaitStatus(status[0]!));
  }
  if (!peeking) {
    for (const pid of [...ownChildren.keys()]) {
      const result = c.waitpid(pid, status, WNOHANG);
      if (result === 0 || (result < 0 && errno() !== ERRNO.ECHILD)) continue;
      collect(pid, result === pid ? decodeWaitStatus(status[0]!) : { kind: "exited", code: 255 });
    }
  }
  for (const [ended, s] of collected) ended(s);
}

// One pass: waitpid(pid, WNOHANG) every child of ours that is not Bun's. Returns what it reaped.
// Only when some child has ended: the children files list every program, read at each SIGCHLD while
// 1,000 programs stopped (that stop took 0.73-0.79 s, now 0.59-0.69 s).
export function reapOrphans(): ReapedOrphan[] {
  const reaped: ReapedOrphan[] = [];
  if (peekEndedChild() === 0) return reaped;
  const status = new Int32Array(1);
  for (const pid of readOwnChildren()) {
    if (isSpawnedChild(pid)) continue;
    if (libc().waitpid(pid, status, WNOHANG) === pid) reaped.push({ pid, status: decodeWaitStatus(status[0]!) });
  }
  return reaped;
}

// An ended child's pid, without collecting it (waitid WNOWAIT); 0 if none has ended or there is no
// child at all (ECHILD). One siginfo_t (128 bytes) serves every call.
const peekedInfo = new Int32Array(32);
function peekEndedChild(): number {
  peekedInfo.fill(0);
  if (libc().waitid(P_ALL, 0, peekedInfo, WEXITED | WNOHANG | WNOWAIT) !== 0) return 0;
  return peekedInfo[SIGINFO_PID_OFFSET / 4]!;
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

// Reap after every SIGCHLD (a pass repeats until it finds nothing; with os/native-spawn.ts's children
// collected first, in the same turn) and once more shortly after the last activity; `onReaped` hears
// of each batch.
export function startReaper(onReaped: (orphans: ReapedOrphan[]) => void = () => {}): void {
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
  orphanPass = pass;
  readyToWaitForChildren();
  pass(); // orphans that were already waiting before the handler existed
}

// tini's warning, same order: the problem, what it breaks, the fix.
export function describeReaperProblem(reason: string): string {
  return `tsvisor is not PID 1 and could not register as a child subreaper (${reason}). ` +
    "Orphaned processes will not be re-parented to tsvisor, so zombie reaping won't work. " +
    "To fix the problem, run tsvisor as PID 1 (a container's ENTRYPOINT) or on Linux >= 3.4.";
}
