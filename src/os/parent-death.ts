// A program must not outlive a tsvisor killed with SIGKILL (outside a PID namespace nothing else would
// stop it). Linux's answer is prctl(PR_SET_PDEATHSIG) in the child between fork and exec, which
// tsvisor's own spawn does (os/native-spawn.ts). Bun.spawn has no hook there, so where that spawn
// cannot run, and for what Bun.spawn starts (event listeners, hooks, init mode's CMD), the child is
// started through a wrapper that does that prctl and then execs the command (one extra exec, same pid): tsvisor's own parent-death exec where it runs
// (os/pdeathsig-exec.ts: x86-64, a third of setpriv's cost), else util-linux's
// `setpriv --pdeathsig KILL -- ARGV...`, else nothing (a minimal image on another architecture).
// KILL because the point is that nothing is left running: a program that ignores TERM would survive.
// The signal reaches the program's own process only; its children (if it forks) are orphaned as with
// supervisord.
import { accessSync, constants, readFileSync } from "node:fs";
import { TsvisorError } from "../errors.ts";
import type { Credentials } from "./users.ts";

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

// The kernel takes at most 128 KiB in one argument (MAX_ARG_STRLEN, with its NUL): the switch's
// "UID,GID,G1,..." must fit, i.e. some 12,000 to 20,000 groups.
const MAX_ARGUMENT_BYTES = 131_071;

/**
 * argv started with a parent-death signal: through the parent-death exec when `helperFd` (its memfd,
 * os/pdeathsig-exec.ts) is given, running `path` (the command as execvp would find it) without a PATH
 * search, and switching to `user` with all its groups; else setpriv, else argv itself, with Bun.spawn
 * switching to the user's uid and primary gid only (Bun clears the other groups: docs/security.md).
 * Throws TsvisorError(SPAWN_FAILED) for a user with more groups than one argument can carry: running
 * the program without some of them would be a silent difference.
 */
export function withParentDeathSignal(argv: string[], path: string, helperFd: number | null, user: Credentials | null = null): ParentDeathLaunch {
  if (helperFd !== null) {
    const switchTo = user === null ? "" : [user.uid, user.gid, ...(user.groups ?? [user.gid])].join(",");
    if (switchTo.length > MAX_ARGUMENT_BYTES) {
      throw new TsvisorError("SPAWN_FAILED", `uid ${user!.uid} is in ${user!.groups!.length} groups, more than tsvisor can hand to the program's start (${MAX_ARGUMENT_BYTES.toLocaleString("en-US")} bytes of "uid,gid,groups..."; /etc/group)`);
    }
    return { argv: [`/proc/self/fd/${helperFd}`, switchTo, path, ...argv], passFd: helperFd, bunIds: null };
  }
  const bunIds = user === null ? null : { uid: user.uid, gid: user.gid };
  const setpriv = parentDeathSetpriv();
  return { argv: setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...argv] : argv, passFd: null, bunIds };
}
