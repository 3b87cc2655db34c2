// The one command tsvisor runs in its own place, in the foreground: init mode's CMD and the CMD of
// `tsvisor run -- CMD`. It gets what tini's child gets: tsvisor's stdin, stdout, stderr, environment
// and every other descriptor tsvisor inherited (inherited-fds.ts); on a terminal, a process group of
// its own in the terminal's foreground (docs/init.md "The terminal"); under systemd's socket
// activation, a LISTEN_PID that names it rather than tsvisor (docs/init.md "Inherited descriptors").
// Those must happen between fork and exec, which Bun.spawn has no hook for. The foreground exec
// (os/foreground-exec.ts, x86-64) does the first, and keeps the inherited descriptors, on a terminal
// and off one (where the parent-death exec would close them and setpriv would run a file the kernel
// refuses through /bin/sh). Otherwise, and for LISTEN_PID, tsvisor starts itself again with
// FOREGROUND_HELPER_FLAG, a short-lived helper that does them and execs CMD in its own place
// (exec-child.ts): a second Bun start-up; or, off a terminal, CMD is spawned directly, in a session of
// its own.
import { isatty } from "node:tty";
import { closeInheritedFds, inheritedFds } from "./inherited-fds.ts";
import { libc } from "./libc.ts";
import { foregroundExecRuns, spawnChild } from "./spawn.ts";

/** The internal first argument that makes tsvisor that helper (cli/init-mode.ts dispatches on it). */
export const FOREGROUND_HELPER_FLAG = "--internal-init-child";

export interface ForegroundRequest {
  argv: string[];
  /** CMD's environment (process.env as is, in init mode); undefined values are left out. */
  env: Record<string, string | undefined>;
  /** Called once when CMD has ended: an exit code, or a signal name without "SIG". */
  onExit: (code: number | null, signal: string | null) => void;
}

/** Spawn CMD; its pid. Throws a SpawnError (os/spawn.ts) when it cannot be started. */
export function spawnForegroundChild(req: ForegroundRequest): number {
  const onTerminal = isatty(0);
  // LISTEN_PID names the process the sockets are for (sd_listen_fds(3)): here tsvisor, so CMD would
  // ignore them. The helper sets it to its own pid, which exec keeps for CMD, as conmon, catatonit and
  // rootlesskit do; tini and dumb-init leave it, and users wrap CMD in `sh -c 'LISTEN_PID=$$ exec ...'`.
  const activated = req.env.LISTEN_PID === String(process.pid);
  const foreground = !activated && foregroundExecRuns();
  const helper = (onTerminal || activated) && !foreground;
  const passFds = inheritedFds();
  try {
    const child = spawnChild({
      argv: helper ? [...selfCommand(), FOREGROUND_HELPER_FLAG, ...req.argv] : req.argv,
      cwd: null,
      env: definedOnly(req.env),
      credentials: null,
      umask: null,
      stdin: "inherit", // CMD reads what tsvisor would have read, the terminal included
      output: "inherit",
      // on a terminal: same session, so that it stays CMD's controlling terminal (the foreground exec
      // or the helper then makes CMD's group); elsewhere a new session is CMD's own group at no cost
      newSession: !onTerminal,
      foreground,
      passFds,
      onExit: req.onExit,
    });
    return child.pid;
  } finally {
    closeInheritedFds();
  }
}

/**
 * CMD (`pid`, the leader of its group) has ended: if its group still has the terminal's foreground, it
 * goes back to tsvisor's group, as a shell takes the terminal back when a job ends. Left with a group
 * that is gone, the terminal made the next command of a script that ran `tsvisor -- CMD` a background
 * one, which a read stopped (red team: an entrypoint running `tsvisor -- setup` and then `exec tsvisor
 * -- CMD` hung on CMD's first read; tini had the terminal back by taking it unconditionally). tsvisor
 * ignores SIGTTOU (exec-child.ts), so the call is not stopped. Nothing is done off a terminal.
 */
export function takeBackTerminal(pid: number): void {
  const STDIN = 0;
  const c = libc();
  if (c.tcgetpgrp(STDIN) === pid) c.tcsetpgrp(STDIN, c.getpgrp());
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}

// How to run this same tsvisor again: the compiled binary is one file; under `bun src/main.ts` the
// script comes after bun.
function selfCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, Bun.main];
}
