// This module must not import anything: states are shared by the machine, the supervisor, the
// control protocol and the CLI (supervisord's states.py has the same rule for the same reason).

/** supervisord's process states; the same words appear in logs, `status`, JSON and docs. */
export type ProcessState =
  | "STOPPED"
  | "STARTING"
  | "RUNNING"
  | "BACKOFF"
  | "STOPPING"
  | "EXITED"
  | "FATAL"
  | "UNKNOWN";

export const PROCESS_STATES: readonly ProcessState[] = [
  "STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING", "EXITED", "FATAL", "UNKNOWN",
];

/** No process exists; a start request may spawn one. */
export const STOPPED_STATES: readonly ProcessState[] = ["STOPPED", "EXITED", "FATAL", "UNKNOWN"];
/** The user wants it up and tsvisor is working on it; a start request is "already started". */
export const RUNNING_STATES: readonly ProcessState[] = ["RUNNING", "BACKOFF", "STARTING"];
/** A live process exists that a signal can reach. */
export const SIGNALLABLE_STATES: readonly ProcessState[] = ["RUNNING", "STARTING", "STOPPING"];
