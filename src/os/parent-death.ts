// A program must not outlive a tsvisor killed with SIGKILL (outside a PID namespace nothing else would
// stop it). Linux's answer is prctl(PR_SET_PDEATHSIG) in the child between fork and exec, which
// Bun.spawn has no hook for, so each program is started through a wrapper that does that prctl and
// then execs the command (one extra exec, same pid): tsvisor's own parent-death exec where it runs
// (os/pdeathsig-exec.ts: x86-64, a third of setpriv's cost), else util-linux's
// `setpriv --pdeathsig KILL -- ARGV...`, else nothing (a minimal image on another architecture).
// KILL because the point is that nothing is left running: a program that ignores TERM would survive.
// The signal reaches the program's own process only; its children (if it forks) are orphaned as with
// supervisord.
import { accessSync, constants, readFileSync } from "node:fs";

const SETPRIV_PATHS = ["/usr/bin/setpriv", "/bin/setpriv"];
let setprivPath: string | null | undefined;

/** setpriv's path if it can set a parent-death signal, found once; null when there is none. */
export function parentDeathSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  for (const path of SETPRIV_PATHS) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      continue;
    }
    // Its own help text, read from the binary rather than by running `setpriv --help`: only
    // os/spawn.ts starts processes (the reaper's rule), and util-linux < 2.33 lacks the option.
    if (readFileSync(path).includes("--pdeathsig")) setprivPath = path;
    break;
  }
  return setprivPath;
}

/** What to spawn for a program: argv, and a descriptor of tsvisor's to pass at its own number (or null). */
export interface ParentDeathLaunch {
  argv: string[];
  passFd: number | null;
  /** The uid and gid Bun.spawn is to switch to; null when the launch switches itself (or runs as tsvisor). */
  bunIds: { uid: number; gid: number } | null;
}

/** A user to switch to: its uid, its primary gid, and every group it has (initgroups: the primary first). */
export interface SwitchTo {
  uid: number;
  gid: number;
  groups?: readonly number[];
}

// The parent-death exec keeps at most this many groups (a 4 KiB buffer); past it, Bun.spawn switches.
const MAX_HELPER_GROUPS = 1024;

/**
 * argv started with a parent-death signal: through the parent-death exec when `helperFd` (its memfd,
 * os/pdeathsig-exec.ts) is given, running `path` (the command as execvp would find it) without a PATH
 * search, and switching to `user` with all its groups; else setpriv, else argv itself, with Bun.spawn
 * switching to the user's uid and primary gid only (Bun clears the other groups: docs/security.md).
 */
export function withParentDeathSignal(argv: string[], path: string, helperFd: number | null, user: SwitchTo | null = null): ParentDeathLaunch {
  const groups = user?.groups ?? (user ? [user.gid] : []);
  if (helperFd !== null && groups.length <= MAX_HELPER_GROUPS) {
    const switchTo = user === null ? "" : [user.uid, user.gid, ...groups].join(",");
    return { argv: [`/proc/self/fd/${helperFd}`, switchTo, path, ...argv], passFd: helperFd, bunIds: null };
  }
  const bunIds = user === null ? null : { uid: user.uid, gid: user.gid };
  if (helperFd !== null) return { argv: [`/proc/self/fd/${helperFd}`, "", path, ...argv], passFd: helperFd, bunIds };
  const setpriv = parentDeathSetpriv();
  return { argv: setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...argv] : argv, passFd: null, bunIds };
}
