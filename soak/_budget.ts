// How long each part of the reliability suite runs: soak/run.ts sets SOAK_SECONDS (600 by default,
// ~60 with --short) and each part takes its share of it.
export const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
export const SHORT = SOAK_SECONDS < 300;

/** A part's time budget in ms: `share` of the whole run. */
export const budgetMs = (share: number) => Math.max(5_000, SOAK_SECONDS * 1000 * share);

/** Processes whose parent is `pid` and that are zombies. */
import { readdirSync, readFileSync } from "node:fs";
export function zombieChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" && Number(fields[1]) === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export { allFdCount, fdCount } from "../test/integration/_proc.ts";

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
}
