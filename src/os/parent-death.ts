// A program must not outlive a tsvisor killed with SIGKILL (outside a PID namespace nothing else would
// stop it). Linux's answer is prctl(PR_SET_PDEATHSIG) in the child between fork and exec, which
// Bun.spawn has no hook for; util-linux's setpriv does exactly that prctl and then execs the command,
// so each program is started as `setpriv --pdeathsig KILL -- ARGV...` (one extra exec, same pid).
// KILL because the point is that nothing is left running: a program that ignores TERM would survive.
// The signal reaches the program's own process only; its children (if it forks) are orphaned as with
// supervisord. Where no setpriv with --pdeathsig exists (a minimal image), programs start directly.
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

/** argv run under setpriv --pdeathsig KILL, or argv itself when setpriv is not available. */
export function withParentDeathSignal(argv: string[]): string[] {
  const setpriv = parentDeathSetpriv();
  return setpriv ? [setpriv, "--pdeathsig", "KILL", "--", ...argv] : argv;
}
