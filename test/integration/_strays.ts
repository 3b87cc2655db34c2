// Processes a test's tsvisor left running (a build with a leak, or a test that failed half-way): each
// program inherits TSVISOR_SOCKET=DIR/tsvisor.sock from the harness, so its environment names the test.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** SIGKILL every process whose environment carries this test directory's socket; returns how many. */
export function killStrays(dir: string): number {
  const mark = Buffer.from(`TSVISOR_SOCKET=${join(dir, "tsvisor.sock")}\0`);
  let killed = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`).includes(mark)) continue;
      process.kill(Number(entry), "SIGKILL");
      killed++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}
