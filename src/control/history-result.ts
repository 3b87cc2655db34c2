// A process's history as the supervisor keeps it -> the `history` op's result (docs/protocol.md):
// the protocol's field names, CPU to one decimal as `status` gives it.
import type { HistoryView } from "../supervisor/supervisor.ts";
import type { ProcessHistory } from "./protocol.ts";

export function toHistory(h: HistoryView): ProcessHistory {
  const { samples: s, buckets: b } = h;
  return {
    name: h.name, group: h.group, sample_interval_ms: h.sampleIntervalMs,
    samples: { time: s.time, cpu_percent: s.cpuPercent.map(oneDecimal), memory_bytes: s.memoryBytes, health: s.health },
    buckets: { time: b.time, cpu_percent: b.cpuPercent.map(oneDecimal), cpu_max_percent: b.cpuMaxPercent.map(oneDecimal), memory_bytes: b.memoryBytes, health: b.health },
    events: h.events.map((e) => ({ time: e.time, kind: e.kind, pid: e.pid, cause: e.cause, exit_code: e.code, signal: e.signal, expected: e.expected })),
  };
}

const oneDecimal = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);
