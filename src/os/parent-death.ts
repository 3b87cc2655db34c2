// A program must not outlive a tsvisor killed with SIGKILL (outside a PID namespace nothing else would
// stop it). Linux's answer is prctl(PR_SET_PDEATHSIG) in the child between fork and exec, which
// Bun.spawn has no hook for; util-linux's setpriv does exactly that prctl and then execs the command,
// so each program is started as `setpriv --pdeathsig KILL -- ARGV...` (one extra exec, same pid).
// KILL because the point is that nothing is left running: a program that ignores TERM would survive.
// The signal reaches the program's own process only; its children (if it forks) are orphaned as with
// supervisord. Where no setpriv with --pdeathsig exists (a minimal image), programs start directly.
import { accessSync, closeSync, constants, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

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

/**
 * The errors Bun.spawn would have raised for the command itself (setpriv would now be the one to fail,
 * later and in words of its own): ENOENT, EACCES or ENOEXEC as an error with that code, or null.
 */
export function commandError(command: string, env: Record<string, string>, cwd: string | null): { code: string } | null {
  let path: string | null;
  if (command.includes("/")) {
    path = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    try {
      if (!statSync(path).isFile()) return { code: "EACCES" };
    } catch {
      return { code: "ENOENT" };
    }
  } else {
    path = Bun.which(command, { PATH: env.PATH ?? process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", cwd: cwd ?? undefined });
    if (path === null) return { code: "ENOENT" };
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { code: "EACCES" };
  }
  return isExecutableFormat(path) ? null : { code: "ENOEXEC" };
}

// The kernel runs ELF files and "#!" scripts (binfmt_misc aside).
function isExecutableFormat(path: string): boolean {
  const head = Buffer.alloc(4);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return true; // not readable by root?  let exec decide
  }
  try {
    const n = readSync(fd, head, 0, 4, 0);
    return (n >= 4 && head.toString("latin1", 0, 4) === "\x7fELF") || (n >= 2 && head.toString("latin1", 0, 2) === "#!");
  } finally {
    closeSync(fd);
  }
}
