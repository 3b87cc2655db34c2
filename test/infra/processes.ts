// What the tests ask of a process by its pid, read from /proc.
import { readFileSync } from "node:fs";

/** Is a pid a live process (not gone, not a zombie)? */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
