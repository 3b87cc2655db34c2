// What goes into a process's history (history.ts) from each step of its machine: an exit when its
// process ends, a start with its cause once the spawn succeeded (or a spawn error), a stop by hand,
// FATAL; and health turns. The cause of a start is decided at the step that asks for the spawn
// (startCauseOf, pure), from the event, the record, and what the supervisor or an operator asked for.
import type { ProgramConfig } from "../config/schema.ts";
import { signalNumber } from "../os/signals.ts";
import { isExpectedExit } from "./backoff.ts";
import type { StartCause } from "./history.ts";
import type { ProcessEvent, ProcessRecord, Step } from "./machine.ts";
import type { Managed } from "./managed.ts";

// Record what one step of `m`'s machine did; `before` is its record before the step.
export function recordStep(m: Managed, event: ProcessEvent, before: ProcessRecord, result: Step, now: number): void {
  const h = m.history;
  switch (event.type) {
    case "exited": {
      const { status } = event;
      h.addEvent(now, {
        kind: "exit", pid: before.pid ?? 0, code: status.code, signal: status.signal === null ? null : numberOf(status.signal),
        expected: isExpectedExit(status, m.spec.program.exitcodes),
      });
      break;
    }
    case "spawned":
      h.addEvent(now, { kind: "start", pid: event.pid, cause: h.startCause });
      break;
    case "spawnFailed":
      h.addEvent(now, { kind: "spawn_error", cause: h.startCause });
      break;
    case "stop":
      // a restart by hand stops first: its start says why, the stop would say it twice
      if (event.byHand && m.restartCause === null) h.addEvent(now, { kind: "stop" });
      break;
    default:
  }
  if (result.actions.some((a) => a.type === "spawn")) {
    h.startCause = startCauseOf(event, before, result.proc, m.spec.program, m.restartCause);
    m.restartCause = null;
  }
  if (result.proc.state === "FATAL" && before.state !== "FATAL") h.addEvent(now, { kind: "fatal" });
}

// A health check's verdict turned: unhealthy, or healthy again after unhealthy.
export function recordHealthTurn(m: Managed, now: number, status: "healthy" | "unhealthy"): void {
  m.history.addEvent(now, { kind: status });
}

/**
 * Why the spawn a step asks for happens: `requested` when the supervisor or an operator restarts the
 * process (a restart by hand, for health, for max_memory); otherwise from the event that led to it.
 */
export function startCauseOf(event: ProcessEvent, before: ProcessRecord, after: ProcessRecord, cfg: ProgramConfig, requested: StartCause | null): StartCause {
  if (event.type === "start") return requested ?? "start";
  // BACKOFF -> STARTING: a retry after failed starts, or a crash loop's paced restart
  if (event.type === "timer") return before.backoff > 0 ? "retry" : exitCause(before, cfg);
  // an exit restarted at once (autorestart), after tsvisor's own stop for max_runtime or not
  return before.stopCause === "max_runtime" ? "max_runtime" : exitCause(after, cfg);
}

const exitCause = (r: ProcessRecord, cfg: ProgramConfig): StartCause =>
  r.lastExit !== null && isExpectedExit(r.lastExit, cfg.exitcodes) ? "exit" : "crash";

// A signal's number for the history (it keeps numbers); 0 for a name no table knows.
function numberOf(signal: string): number {
  try {
    return signalNumber(signal);
  } catch {
    return 0;
  }
}
