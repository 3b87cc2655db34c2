// What /proc says of a process the tests watch: its open descriptors and the CPU it has used.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Every descriptor open in `pid`: what its RLIMIT_NOFILE counts. */
export const allFdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/**
 * `pid`'s open descriptors, without those on /proc files: the sampler keeps three of each program's
 * open between samples (src/os/proc-files.ts), a bounded cache that comes and goes with the programs
 * and the first sample, not what a flood or a leak leaves behind.
 */
export function fdCount(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (!readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("/proc/")) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

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
