// What a reload changes: the processes of the running config against those of the new one, by
// name. Pure, so every case is a table row in its test. supervisord's `update` has the same four
// outcomes; like it, any difference in a process's settings counts as a change (it restarts).
import type { Config, ProcessSpec } from "../config/schema.ts";

/** Process names sorted by what a reload does to them, each list in config order. */
export interface ReloadDiff {
  /** In the new config only: started if autostart. */
  added: string[];
  /** In the old config only: stopped, then forgotten. */
  removed: string[];
  /** In both with different settings: stopped, then started with the new ones. */
  changed: string[];
  /** In both, the same: not touched. */
  unchanged: string[];
}

// Old and new configs -> the diff of their processes.
export function diffConfigs(old: Pick<Config, "processes">, next: Pick<Config, "processes">): ReloadDiff {
  return diffProcesses(old.processes, next.processes);
}

// Old and new process lists -> the diff; new order for added/changed/unchanged, old order for removed.
export function diffProcesses(old: readonly ProcessSpec[], next: readonly ProcessSpec[]): ReloadDiff {
  const before = new Map(old.map((spec) => [spec.name, spec]));
  const after = new Set(next.map((spec) => spec.name));
  const diff: ReloadDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const spec of next) {
    const previous = before.get(spec.name);
    if (previous === undefined) diff.added.push(spec.name);
    else if (isSameValue(previous, spec)) diff.unchanged.push(spec.name);
    else diff.changed.push(spec.name);
  }
  diff.removed = old.filter((spec) => !after.has(spec.name)).map((spec) => spec.name);
  return diff;
}

/** Group names (a process's `group`) sorted by what supervisorctl's `update` would do to them. */
export interface GroupDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

// supervisord's diff_to_active(): a group is changed when any of its processes is added, removed or
// changed; each list sorted, as supervisorctl prints them.
export function diffGroups(active: readonly ProcessSpec[], next: readonly ProcessSpec[]): GroupDiff {
  const diff = diffProcesses(active, next);
  const groupOf = new Map([...active, ...next].map((spec) => [spec.name, spec.group]));
  const before = new Set(active.map((spec) => spec.group));
  const after = new Set(next.map((spec) => spec.group));
  const touched = new Set([...diff.added, ...diff.removed, ...diff.changed].map((name) => groupOf.get(name)!));
  // a process that moved from one group to another touches both
  for (const spec of next) {
    const old = active.find((a) => a.name === spec.name);
    if (old !== undefined && old.group !== spec.group) touched.add(old.group).add(spec.group);
  }
  const sorted = (names: Iterable<string>) => [...names].sort();
  return {
    added: sorted([...after].filter((g) => !before.has(g))),
    changed: sorted([...touched].filter((g) => before.has(g) && after.has(g))),
    removed: sorted([...before].filter((g) => !after.has(g))),
  };
}

// "added web; removed cron; changed worker-0, worker-1; unchanged db" (empty kinds left out).
export function describeDiff(diff: ReloadDiff): string {
  const parts = (["added", "removed", "changed", "unchanged"] as const)
    .filter((kind) => diff[kind].length > 0)
    .map((kind) => `${kind} ${diff[kind].join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "no programs";
}

// Structural equality of resolved config values (plain objects, arrays, scalars). Key order does not
// count: environment = { A = "1", B = "2" } and { B = "2", A = "1" } are the same settings.
function isSameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => isSameValue(item, b[i]));
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key) => Object.hasOwn(b, key) && isSameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
