// The first moments of the foreground command (init mode's CMD), between fork and exec. tini does this
// in the forked child before execvp(); Bun.spawn offers no hook there, so foreground-child.ts spawns
// tsvisor itself with an internal flag, and that short-lived helper runs this and execs CMD in its own
// place (same pid, so nothing is left of the helper once CMD runs).
import { ptr } from "bun:ffi";
import { readFileSync } from "node:fs";
import { commandError, describeCommandProblem } from "./command-check.ts";
import { inheritedFds, keepAcrossExec } from "./inherited-fds.ts";
import { ERRNO, SIGSET_BYTES, SIG_DFL, SIG_IGN, SIG_SETMASK, errno, libc } from "./libc.ts";
import { parseSignalMask } from "./procfs.ts";
import { signalNumber } from "./signals.ts";

const STDIN = 0;

// Own process group (so -g can signal CMD and everything it starts as one group, and a Ctrl-C on the
// terminal reaches CMD's group and not tsvisor), the terminal's foreground when tsvisor had it,
// tsvisor's inherited descriptors and LISTEN_PID for CMD, signal state as a fresh process expects it,
// then execvp(). Returns only if exec failed: the exit code a shell gives then (127 not found, 126 not
// executable: tini's codes) and why.
export function execAsForegroundChild(argv: string[]): { code: number; message: string } {
  const c = libc();
  // Still in tsvisor's process group here: was that group the terminal's foreground? tini takes the
  // foreground unconditionally (with a TODO about it); taking it only from a foreground tsvisor does
  // not steal the terminal from the shell when `tsvisor -- CMD &` runs in the background.
  const wasForeground = c.tcgetpgrp(STDIN) === c.getpgrp();
  // Off a terminal the helper was started in a session of its own, whose group it leads already.
  if (c.getpgrp() !== process.pid && c.setpgid(0, 0) !== 0) return { code: 1, message: `setpgid failed (errno ${errno()})` };
  if (wasForeground) {
    // A background group calling tcsetpgrp() gets SIGTTOU unless it ignores it (tini blocks it).
    c.signal(signalNumber("TTOU"), SIG_IGN);
    if (c.tcsetpgrp(STDIN, c.getpgrp()) !== 0) {
      const code = errno();
      // no terminal after all: fine (tini: "can occur on lx-branded zones" for ENXIO)
      if (code !== ERRNO.ENOTTY && code !== ERRNO.ENXIO) return { code: 1, message: `tcsetpgrp failed (errno ${code})` };
    }
  }
  // The descriptors tsvisor passed on came through spawn as they were; Bun, starting this helper,
  // marked them close-on-exec again.
  keepAcrossExec(inheritedFds());
  handOverListenPid(c);
  resetSignals();
  const strings = argv.map((arg) => Buffer.from(`${arg}\0`)); // kept referenced until execvp
  const vector = new BigUint64Array(strings.length + 1); // char *argv[], NULL-terminated
  strings.forEach((s, i) => (vector[i] = BigInt(ptr(s))));
  c.execvp(strings[0] ?? Buffer.from("\0"), vector);
  const code = errno(); // reached only when execvp failed
  const command = argv[0] ?? "";
  if (code === ERRNO.ENOENT) return { code: 127, message: describeCommandProblem(command, "ENOENT", null, commandError(command, ownEnvironment(), null)?.interpreter) };
  // the kernel says EACCES for a directory too: say which it is (the code stays tini's 126)
  if (code === ERRNO.EACCES) return { code: 126, message: describeCommandProblem(command, isDirectory(command) ? "EISDIR" : "EACCES") };
  return { code: 1, message: `exec ${JSON.stringify(command)} failed (errno ${code})` };
}

// Is the command execvp() failed on a directory (found as execvp finds it: PATH, or a path)?
function isDirectory(command: string): boolean {
  return commandError(command, ownEnvironment(), null)?.code === "EISDIR";
}

function ownEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return env;
}

// Socket activation: LISTEN_PID names tsvisor, this helper's parent, which passed its sockets on to
// CMD; CMD is this pid once exec'd. setenv() changes the environment execvp() gives CMD.
function handOverListenPid(c: ReturnType<typeof libc>): void {
  if (process.env.LISTEN_PID !== String(process.ppid)) return;
  c.setenv(Buffer.from("LISTEN_PID\0"), Buffer.from(`${process.pid}\0`), 1);
}

// execve() resets caught signals to their default but keeps ignored ones ignored and keeps the mask.
// Bun ignores SIGPIPE and SIGXFSZ and CMD must not inherit that, so every ignored signal goes back to
// its default and nothing stays blocked: what a shell or systemd gives a new process.
function resetSignals(): void {
  const c = libc();
  for (const signal of parseSignalMask(readFileSync("/proc/self/status", "utf8"), "SigIgn")) c.signal(signal, SIG_DFL);
  c.sigprocmask(SIG_SETMASK, new Uint8Array(SIGSET_BYTES), null);
}

// In the parent: once CMD's group has the terminal, tsvisor is a background process on it, and a
// terminal with `stty tostop` would stop it with SIGTTOU for writing a log line (SIGTTIN for a read).
// tini ignores both for that reason; a JS handler would not do, since the write would then fail.
export function ignoreTerminalStopSignals(): void {
  for (const name of ["TTIN", "TTOU"]) libc().signal(signalNumber(name), SIG_IGN);
}
