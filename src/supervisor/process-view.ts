// A process as an operator sees it (`status`, `check`, the HTTP API): its record with what was
// measured of it and what its health check says, as of `now`; and its history, signals by name.
import type { HealthStatus } from "../health/health-state.ts";
import { signalName } from "../os/signals.ts";
import type { EventEntry, HistoryData } from "./history.ts";
import type { ProcessRecord } from "./machine.ts";
import type { Managed } from "./managed.ts";
import { isOffender } from "./operator.ts";

/** One process as an operator sees it. */
export interface ProcessView {
  record: ProcessRecord;
  group: string;
  program: string;
  /** Output lines lost to a full or failing disk or a stuck console reader (docs/logs.md). */
  droppedLogLines: number;
  /** How long the live process has been up; null when there is none. */
  uptimeMs: number | null;
  /** Counts against `tsvisor check`: wanted up and not RUNNING, or unhealthy. */
  offender: boolean;
  /** null without a health check or without a process. */
  health: HealthStatus | null;
  /** What the last failed probe said; null after a success. */
  healthError: string | null;
  /** Of the process tree at the last sample; null before it, without sampling, or without a process. */
  cpuPercent: number | null;
  /** utime + stime of the tree at the last sample, in seconds (live processes only). */
  cpuSeconds: number | null;
  /** Summed RSS of the tree: a page shared by N of its processes counts N times. */
  rssBytes: number | null;
  /** Highest RSS of the tree since the process started. */
  peakRssBytes: number | null;
  /** Summed PSS of the tree (shared pages split among their sharers): what max_memory compares; null also without smaps_rollup. */
  pssBytes: number | null;
  /** Highest PSS of the tree since the process started. */
  peakPssBytes: number | null;
  /** Why tsvisor last restarted it on its own (unhealthy, max_memory). */
  restartedBecause: string | null;
}

/** A process record as `status` shows it. */
export type ProcessSnapshot = ProcessRecord & {
  /** Output lines lost to a full or failing disk or a console reader too far behind. */
  droppedLogLines: number;
  /** What its health check says; null without a check. */
  health: HealthStatus | null;
};

export function viewOf({ spec, record, logs, health, usage, restartedBecause }: Managed, now: number): ProcessView {
  const h = health?.health ?? null;
  const live = usage !== null && usage.pid === record.pid;
  return {
    record,
    group: spec.group,
    program: spec.programName,
    droppedLogLines: logs?.droppedLines ?? 0,
    uptimeMs: record.pid !== null && record.startedAt !== null ? Math.max(0, now - record.startedAt) : null,
    offender: isOffender(record, spec.program.exitcodes) || (record.wantedUp && h?.status === "unhealthy"),
    health: h?.status ?? null,
    healthError: h?.lastError ?? null,
    cpuPercent: live ? usage.cpuPercent : null,
    cpuSeconds: live ? usage.cpuSeconds : null,
    rssBytes: live ? usage.rssBytes : null,
    peakRssBytes: live ? usage.peakRssBytes : null,
    pssBytes: live ? usage.pssBytes : null,
    peakPssBytes: live ? usage.peakPssBytes : null,
    restartedBecause,
  };
}

export const snapshotOf = (m: Managed): ProcessSnapshot => ({ ...m.record, droppedLogLines: m.logs?.droppedLines ?? 0, health: m.health?.health?.status ?? null });

/** A process's history as an operator reads it: an exit's signal by name ("TERM"), as in `status`. */
export interface HistoryView {
  name: string;
  group: string;
  /** sample_interval in ms: the spacing of the samples (0: sampling is off, only events are kept). */
  sampleIntervalMs: number;
  samples: HistoryData["samples"];
  buckets: HistoryData["buckets"];
  events: (Omit<EventEntry, "signal"> & { signal: string | null })[];
}

export function historyViewOf({ spec, history }: Managed, since: number, sampleIntervalMs: number): HistoryView {
  const { samples, buckets, events } = history.read(since);
  return {
    name: spec.name, group: spec.group, sampleIntervalMs, samples, buckets,
    events: events.map((e) => ({ ...e, signal: e.signal === null ? null : signalName(e.signal) })),
  };
}
