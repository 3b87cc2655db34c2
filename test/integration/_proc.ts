// What /proc says of a process the tests watch: its open descriptors and the CPU it has used.
import { readdirSync, readFileSync } from "node:fs";

/** File descriptors open in `pid`. */
export const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

// USER_HZ: /proc/PID/stat counts CPU time in these (100 on Linux, whatever the kernel's HZ).
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of `pid` (fields 14 and 15 of /proc/PID/stat), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is the 3rd field, state
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** The share of one core `pid` used over the next `ms` milliseconds (1 = a whole core). */
export async function cpuShareOver(pid: number, ms: number): Promise<number> {
  const [cpu, at] = [cpuSeconds(pid), performance.now()];
  await Bun.sleep(ms); // the window being measured, not a wait for an event
  return (cpuSeconds(pid) - cpu) / ((performance.now() - at) / 1000);
}
