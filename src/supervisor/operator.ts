// What an operator can ask of the supervisor and what comes back, as pure functions: names as
// typed ("web", "worker:*", "all") -> processes, the faults a request can meet (supervisord's
// Faults), and whether a process counts against `tsvisor check`.
import { isExpectedExit } from "./backoff.ts";
import type { ProcessRecord } from "./machine.ts";
import type { ProcessState } from "./states.ts";

/** supervisord's faults for one process of a request; the control protocol sends the same words. */
export type Fault = "ALREADY_STARTED" | "NOT_RUNNING" | "START_FAILED" | "SHUTTING_DOWN";

/** What became of one process of a start/stop/restart/signal request. */
export interface Outcome {
  name: string;
  /** null when the request was carried out. */
  fault: Fault | null;
  state: ProcessState;
  reason: string | null;
}

export type NameResolution =
  | { ok: true; names: string[] }
  | { ok: false; fault: "NO_SUCH_PROCESS" | "NO_SUCH_GROUP"; name: string };

/** What a name is matched against: a process, its process group and its program. */
export interface NamedProcess {
  name: string;
  group: string;
  programName: string;
}

// Names as supervisorctl takes them, each one of:
//   all              every process
//   GROUP:*          every process of the group: a [groups.GROUP], or [programs.GROUP] in no group
//   GROUP:NAME       process NAME of that group
//   NAME             the process NAME, else every process of the group NAME, else of the program NAME
// -> process names in config order, each once; or the first name that matches nothing (nothing is
// done then: a typo must not leave a request half-applied).
export function resolveNames(requested: readonly string[], processes: readonly NamedProcess[]): NameResolution {
  const chosen = new Set<string>();
  for (const name of requested) {
    const matches = matchName(name, processes);
    if (matches.length === 0) return { ok: false, fault: name.endsWith(":*") ? "NO_SUCH_GROUP" : "NO_SUCH_PROCESS", name };
    for (const match of matches) chosen.add(match);
  }
  return { ok: true, names: processes.map((p) => p.name).filter((n) => chosen.has(n)) };
}

function matchName(name: string, processes: readonly NamedProcess[]): string[] {
  if (name === "all") return processes.map((p) => p.name);
  const colon = name.indexOf(":");
  if (colon >= 0) {
    const group = name.slice(0, colon);
    const member = name.slice(colon + 1);
    return processes.filter((p) => p.group === group && (member === "*" || p.name === member)).map((p) => p.name);
  }
  const exact = processes.filter((p) => p.name === name);
  if (exact.length > 0) return exact.map((p) => p.name);
  const group = processes.filter((p) => p.group === name);
  return (group.length > 0 ? group : processes.filter((p) => p.programName === name)).map((p) => p.name);
}

// `check`'s rule: a process counts against health when it is wanted up (autostart or started by
// hand, not stopped by hand) and is not RUNNING — except one that exited with an expected code,
// which has finished its work (a one-shot job) rather than failed.
export function isOffender(record: ProcessRecord, exitcodes: readonly number[]): boolean {
  if (!record.wantedUp || record.state === "RUNNING") return false;
  return !(record.state === "EXITED" && record.lastExit !== null && isExpectedExit(record.lastExit, exitcodes));
}
