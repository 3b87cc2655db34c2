// The one-line STATUS= shown by `systemctl status tsvisor`: "5 running, 1 backoff".
import type { ProcessState } from "../supervisor/states.ts";

// Most interesting first: what is up, then what is being worked on, then what is down.
const ORDER: readonly ProcessState[] = ["RUNNING", "STARTING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "STOPPED", "UNKNOWN"];

/** Counts per state in ORDER, states with no process left out; "no processes" for an empty config. */
export function summariseStates(processes: readonly { state: ProcessState }[]): string {
  if (processes.length === 0) return "no processes";
  const counts = new Map<ProcessState, number>();
  for (const { state } of processes) counts.set(state, (counts.get(state) ?? 0) + 1);
  return ORDER.filter((state) => counts.has(state))
    .map((state) => `${counts.get(state)} ${state.toLowerCase()}`)
    .join(", ");
}
