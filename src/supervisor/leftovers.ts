// What a program left behind when its main process ended: processes it started that are still
// running. Its direct children are re-parented to tsvisor at that moment (PID 1, or a child subreaper:
// os/reaper.ts), so every descendant it left is in the subtree of one of tsvisor's own children that
// Bun did not start. Which of those came from this program is known by either of two marks:
//   - its session: a program leads a session of its own (os/spawn.ts), every process it starts stays
//     in it unless it calls setsid(), and the kernel keeps that id for as long as one member lives;
//   - its spawn mark: TSVISOR_SPAWN_MARK, a random value made for this one spawn (spawnMark()), as
//     the program had it in /proc/PID/environ — for a daemon that did call setsid() (double-forking
//     daemons do), since children inherit it. The environment is the process's own to write, so the
//     mark counts only on a process of the program's user (real and effective uid): a process of
//     another user cannot read the value (/proc/PID/environ is its owner's and root's), and is never
//     taken for, nor signalled as, this program's leftover. A name alone (TSVISOR_PROCESS_NAME) was
//     forgeable by any program: `env TSVISOR_PROCESS_NAME=db` stalled db's stops (red-team F5).
// A process that left the session AND cleared or overwrote its initial environment (setproctitle()
// writes over it: nginx, postgres, sshd) carries neither mark: it is left to tsvisor's own exit, which
// stops every descendant (docs/supervision.md "Stop means the whole tree", limits). So is one that
// keeps coming back after SIGKILL (a program of the same user can make new ones): the wait for them is
// bounded (LEFTOVER_GIVE_UP_MS), then the exit counts and a warning names what was still running.
import type { ConsolaInstance } from "consola";
import { type ProcessIdentity, isRunning, ownDescendants, signalProcess, stopProcesses, subtree, uniqueProcesses } from "../os/descendants.ts";
import { randomBytes } from "node:crypto";
import { readEnvironValue, readOwnChildren, readStat, readUids } from "../os/procfs.ts";
import { isSpawnedChild } from "../os/reaper.ts";
import { countOf } from "../plural.ts";

/** The environment variable that carries a spawn's mark. */
export const SPAWN_MARK_VARIABLE = "TSVISOR_SPAWN_MARK";

/** A new mark for one spawn: 128 random bits, which no other user can guess. */
export function spawnMark(): string {
  return randomBytes(16).toString("hex");
}

/** How long tsvisor keeps waiting for leftovers after the SIGKILL that follows stopwaitsecs. */
export const LEFTOVER_GIVE_UP_MS = 5000;

/** Whose leftovers to look for: the ended process's session (its pid), its spawn mark, its user's uid. */
export interface LeftoverMarks {
  session: number;
  mark: string;
  uid: number;
}

/** The leftovers of one program's process, tracked while tsvisor stops them. */
export class Leftovers {
  private tracked: ProcessIdentity[] = [];

  /** `giveUpAt`: when tsvisor stops waiting for them (ms since the epoch). */
  constructor(private readonly marks: LeftoverMarks, readonly giveUpAt: number) {}

  /** Those still running, and any new ones (a daemon may still be forking): how many there are now. */
  refresh(): number {
    this.tracked = uniqueProcesses([...this.tracked.filter(isRunning), ...findLeftovers(this.marks)]);
    return this.tracked.length;
  }

  /** Their pids, for a log line. */
  get pids(): number[] {
    return this.tracked.map((id) => id.pid);
  }

  /** Send `signal` to each of them (after a refresh). */
  signal(signal: string): void {
    this.refresh();
    for (const id of this.tracked) signalProcess(id, signal);
  }
}

// Every live process below tsvisor that carries the program's session, or its spawn mark and uid.
// An orphan whose environment is read only at a moment it reads empty (while it execs: a daemon calling
// setsid then exec'ing, as `setsid sleep` does) would be missed, and its program's exit would count
// with it still running (seen in test/regression/issue/stop-whole-tree.test.ts). So such an orphan is
// asked again, a millisecond apart, until its mark is known or MARK_UNKNOWN_MS have passed (an
// environment still empty then is one: `env -i`; 4 ms was the longest exec measured, and a loaded
// machine can keep a process from running for tens of ms). Only those are asked again: the rest of
// the look stands, and an orphan that appears meanwhile is found by the next one.
export function findLeftovers(marks: LeftoverMarks): ProcessIdentity[] {
  const deadline = performance.now() + MARK_UNKNOWN_MS;
  const { found, unknown } = lookForLeftovers(marks);
  let waiting = unknown;
  while (waiting.length > 0) {
    Bun.sleepSync(1);
    const settle = performance.now() >= deadline;
    waiting = waiting.filter((orphan) => {
      if (readStat(orphan.pid)?.startTicks !== orphan.startTicks) return false; // gone, or its pid another process's now
      const its = markOf(orphan.key, orphan.pid, settle);
      if (its === undefined) return true;
      if (its === marks.mark && isOfUser(orphan.pid, marks.uid)) found.push(...subtree(orphan.pid));
      return false;
    });
  }
  return found;
}

const MARK_UNKNOWN_MS = 100;

// An orphan of the program's user whose mark could not be read yet, by pid and start time.
interface UnknownOrphan {
  key: string;
  pid: number;
  startTicks: number;
}

// Every live process below tsvisor that carries the program's session, or its spawn mark and uid;
// and the orphans of that uid whose mark is not known yet.
function lookForLeftovers({ session, mark, uid }: LeftoverMarks): { found: ProcessIdentity[]; unknown: UnknownOrphan[] } {
  const found: ProcessIdentity[] = [];
  const unknown: UnknownOrphan[] = [];
  const present = new Set<string>();
  for (const pid of readOwnChildren()) {
    if (isSpawnedChild(pid)) continue; // a program's, hook's or probe's own process: Bun waits for it
    const stat = readStat(pid);
    if (stat === null || stat.state === "Z") continue;
    const key = `${pid}:${stat.startTicks}`;
    present.add(key);
    if (stat.session === session) {
      found.push(...subtree(pid));
      continue;
    }
    // the uid is asked each time, but only of an orphan whose mark matches or is not known yet
    const its = markOf(key, pid, false);
    if ((its === mark || its === undefined) && !isOfUser(pid, uid)) {
      // another user's: its mark never counts, so an environment unreadable or empty is not read again
      if (its === undefined) knownMarks.set(key, null);
      continue;
    }
    if (its === mark) found.push(...subtree(pid));
    else if (its === undefined) unknown.push({ key, pid, startTicks: stat.startTicks });
  }
  for (const key of knownMarks.keys()) if (!present.has(key)) knownMarks.delete(key);
  return { found, unknown };
}

// The spawn mark each orphan was started with, kept once known (by pid and start time): every
// program's exit, and every look while leftovers are stopped, asks about all orphans.
const knownMarks = new Map<string, string | null>();

// undefined while not known (an environment read empty); with `settle`, an empty one counts as no mark.
function markOf(key: string, pid: number, settle: boolean): string | null | undefined {
  if (knownMarks.has(key)) return knownMarks.get(key);
  const read = readEnvironValue(pid, SPAWN_MARK_VARIABLE);
  if (read === undefined && !settle) return undefined;
  knownMarks.set(key, read ?? null);
  return read ?? null;
}

// Its real and effective uid are `uid`, asked each time: a process may change its user after exec.
function isOfUser(pid: number, uid: number): boolean {
  const uids = readUids(pid);
  return uids !== null && uids[0] === uid && uids[1] === uid;
}

/** How long what is still running below tsvisor when it exits has between SIGTERM and SIGKILL. */
export const STRAY_STOP_GRACE_MS = 5000;

// Nothing tsvisor started outlives it, outside a PID namespace too: whatever is still below it once
// the programs have stopped (a daemon that carried no mark of its program, the descendants of a
// program with stop_descendants = false, a hook's) gets SIGTERM, then SIGKILL after `graceMs`.
// `orphansOnly` spares what Bun started and waits for itself (event listeners still running).
export async function stopStrays(logger: ConsolaInstance, graceMs: number, orphansOnly: boolean): Promise<void> {
  const find = () => ownDescendants({ orphansOnly });
  const strays = find();
  if (strays.length === 0) return;
  const pids = strays.map((s) => s.pid).join(" ");
  logger.info(`stopping: ${countOf(strays.length, "process", "processes")} still running below tsvisor (pid ${pids}); SIGKILL after ${graceMs / 1000}s`);
  const killed = await stopProcesses(find, "TERM", graceMs);
  if (killed > 0) logger.warn(`killing: ${countOf(killed, "process", "processes")} still running below tsvisor ${graceMs / 1000}s after SIGTERM, with SIGKILL`);
}
