// `critical = true`: when such a program ends for good, tsvisor stops everything and exits with the
// program's code, so that Docker or Kubernetes restarts the container (a sidecar pattern: the pod is
// only as alive as its critical process). Pure: which transition ends a program for good, and the code.
import type { ProcessRecord } from "./machine.ts";
import { shellExitCode } from "./exit-status.ts";
import type { ProcessState } from "./states.ts";

// Ended for good: FATAL (start retries used up), or EXITED with no restart coming — a restart moves
// EXITED -> STARTING within the same step, so a step that stops at EXITED brings none. STOPPED is an
// operator's or a shutdown's deliberate stop and is not an end.
export function hasEndedForGood(before: ProcessState, after: ProcessRecord): boolean {
  return after.state !== before && (after.state === "FATAL" || after.state === "EXITED");
}

// The code tsvisor exits with when a critical program ended: its exit code, 128 + N for a death by
// signal N (as a shell and tini report it). FATAL always exits non-zero: 1 when the last exit was 0
// or when the program never ran (a spawn error has no exit status).
export function criticalExitCode(record: ProcessRecord, signalNumber: (name: string) => number): number {
  const code = record.lastExit === null ? null : shellExitCode(record.lastExit, signalNumber);
  if (record.state === "FATAL") return code === null || code === 0 ? 1 : code;
  return code ?? 1;
}
