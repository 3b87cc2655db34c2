// All words about how a process ended live here, for logs, `status`, events and exit codes
// (supervisord's decode_wait_status(); execa's lib/return/message.js).

/** How a process ended: an exit code, or the name of the signal that killed it ("KILL"). */
export type ExitStatus = { code: number; signal: null } | { code: null; signal: string };

export const exitedWith = (code: number): ExitStatus => ({ code, signal: null });
export const killedBy = (signal: string): ExitStatus => ({ code: null, signal });

// "exit status 1" | "terminated by SIGKILL"
export function describeExit(status: ExitStatus): string {
  return status.signal === null ? `exit status ${status.code}` : `terminated by SIG${status.signal}`;
}

// The code a shell would report: the exit code, or 128 + N for a death by signal N (tini, bash).
export function shellExitCode(status: ExitStatus, signalNumber: (name: string) => number): number {
  return status.signal === null ? status.code & 0xff : 128 + signalNumber(status.signal);
}

// The code a shell (and tini) gives a command it could not start, by the exec's errno: 127 not found,
// 126 found but not runnable (permission, a directory, not an executable format), 1 for anything else.
export function cannotStartExitCode(errno: string | undefined): number {
  if (errno === "ENOENT") return 127;
  return errno === "EACCES" || errno === "EISDIR" || errno === "ENOEXEC" ? 126 : 1;
}
