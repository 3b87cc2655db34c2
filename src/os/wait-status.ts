// Decode the int that waitpid() fills in (the W* macros of <sys/wait.h>), for statuses Bun does not
// report: the orphans that reaper.ts collects. Pure, so each bit pattern is tested without a process.

export type WaitStatus =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: number; coreDumped: boolean }
  | { kind: "stopped"; signal: number }
  | { kind: "continued" };

// 0x0300 -> exited 3; 0x0009 -> signaled 9; 0x0086 -> signaled 6 with core; 0x137f -> stopped 19.
export function decodeWaitStatus(raw: number): WaitStatus {
  const low = raw & 0x7f;
  if (low === 0) return { kind: "exited", code: (raw >> 8) & 0xff }; // WIFEXITED
  if (raw === 0xffff) return { kind: "continued" }; // WIFCONTINUED
  if ((raw & 0xff) === 0x7f) return { kind: "stopped", signal: (raw >> 8) & 0xff }; // WIFSTOPPED
  return { kind: "signaled", signal: low, coreDumped: (raw & 0x80) !== 0 }; // WIFSIGNALED
}
