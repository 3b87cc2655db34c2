// What an event is and how one is built from a process's transition. Pure: time arrives as `now`.
// Type names are supervisord's where one exists (events.py), so its users and listeners know them;
// HEALTH_* are tsvisor's own: events/monitoring.ts emits them when a health check changes its verdict.
import { isExpectedExit } from "../supervisor/backoff.ts";
import type { ProcessState } from "../supervisor/states.ts";
import type { Transition } from "../supervisor/supervisor.ts";
import type { EventType } from "./event-types.ts";

/** One event as history, `events --json`, hooks and listeners see it; fields are null when they do not apply. */
export interface TsvisorEvent {
  type: EventType;
  /** Milliseconds since the epoch. */
  time: number;
  /** Process name; null for tsvisor's own events. */
  program: string | null;
  /** The `[programs.NAME]` key of the process. */
  group: string | null;
  from_state: ProcessState | null;
  to_state: ProcessState | null;
  /** The live process's pid (RUNNING, STOPPING) or the one that just ended (EXITED, BACKOFF after an exit). */
  pid: number | null;
  /** Exit code of the process that ended; null when it was killed by a signal or nothing ended. */
  exit_code: number | null;
  /** The signal that killed it, without "SIG"; null otherwise. */
  signal: string | null;
  /** EXITED only: was the exit code in exitcodes? */
  expected: boolean | null;
  /** Why, in words: "exit status 1; not expected", "spawn error: …". */
  reason: string | null;
  /** STARTING and BACKOFF: failed starts in a row so far (supervisord's `tries`). */
  tries: number | null;
  /** PROCESS_LOG_* only: the lines the process wrote (whole lines, newlines included); REMOTE_COMMUNICATION: its data. */
  data?: string;
  /** REMOTE_COMMUNICATION only: the `type` its sender gave (supervisord's sendRemoteCommEvent). */
  remote_type?: string;
}

// A transition -> its PROCESS_STATE_* event.
export function processStateEvent(t: Transition, now: number): TsvisorEvent {
  const ended = t.to === "EXITED" || t.to === "BACKOFF" || t.to === "STOPPED" || t.from === "STOPPING";
  const exit = ended ? t.lastExit : null;
  return {
    type: `PROCESS_STATE_${t.to}`, time: now, program: t.name, group: t.group, from_state: t.from, to_state: t.to,
    pid: pidOf(t), exit_code: exit?.code ?? null, signal: exit?.signal ?? null,
    expected: t.to === "EXITED" && t.lastExit !== null ? isExpectedExit(t.lastExit, t.exitcodes) : null,
    reason: t.reason,
    tries: t.to === "STARTING" || t.to === "BACKOFF" ? t.backoff : null,
  };
}

// supervisord's payloads carry a pid for RUNNING, STOPPING, EXITED and STOPPED only: the live
// process, or the one that just ended.
function pidOf(t: Transition): number | null {
  if (t.to === "RUNNING" || t.to === "STOPPING") return t.pid ?? t.previousPid;
  if (t.to === "EXITED" || t.to === "STOPPED") return t.previousPid ?? t.pid;
  return null;
}

// tsvisor's own start (all autostart programs asked to start) and stop.
export function supervisorEvent(type: "SUPERVISOR_STATE_CHANGE_RUNNING" | "SUPERVISOR_STATE_CHANGE_STOPPING", now: number, reason: string | null = null): TsvisorEvent {
  return { ...ownEvent(type, now), reason };
}

// supervisord's TICK_N: the period rolled over at `when` (a multiple of it, in seconds since the epoch).
export function tickEvent(period: 5 | 60 | 3600, when: number): TsvisorEvent {
  return ownEvent(`TICK_${period}`, when * 1000);
}

// A group began or ceased to be supervised (supervisorctl add/remove/update, a reload).
export function groupEvent(type: "PROCESS_GROUP_ADDED" | "PROCESS_GROUP_REMOVED", group: string, now: number): TsvisorEvent {
  return { ...ownEvent(type, now), group };
}

// sendRemoteCommEvent(type, data): a message for event listeners, from whoever may use the control socket.
export function remoteEvent(type: string, data: string, now: number): TsvisorEvent {
  return { ...ownEvent("REMOTE_COMMUNICATION", now), remote_type: type, data };
}

function ownEvent(type: EventType, time: number): TsvisorEvent {
  return { type, time, program: null, group: null, from_state: null, to_state: null, pid: null, exit_code: null, signal: null, expected: null, reason: null, tries: null };
}

// Lines a process wrote on a stream whose events are enabled.
export function logEvent(o: { name: string; group: string; pid: number | null; stream: "stdout" | "stderr"; lines: Uint8Array }, now: number): TsvisorEvent {
  return {
    type: o.stream === "stdout" ? "PROCESS_LOG_STDOUT" : "PROCESS_LOG_STDERR", time: now, program: o.name, group: o.group,
    from_state: null, to_state: null, pid: o.pid, exit_code: null, signal: null, expected: null, reason: null, tries: null,
    data: new TextDecoder().decode(o.lines),
  };
}

// A health change of a process (for health checks to call).
export function healthEvent(type: "HEALTH_HEALTHY" | "HEALTH_UNHEALTHY", process: { name: string; group: string; pid: number | null; state: ProcessState }, now: number, reason: string | null): TsvisorEvent {
  return { type, time: now, program: process.name, group: process.group, from_state: process.state, to_state: process.state, pid: process.pid, exit_code: null, signal: null, expected: null, reason, tries: null };
}

// Does this event concern one of `names` (process names or program names)? No names: every event.
export function concernsNames(event: TsvisorEvent, names: readonly string[]): boolean {
  if (names.length === 0) return true;
  return names.some((n) => n === event.program || n === event.group);
}
