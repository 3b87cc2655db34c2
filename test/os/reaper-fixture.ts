// Run by reaper.test.ts in a process of its own (it becomes a child subreaper, which the test runner
// must not). Spawns children that exit while the JS thread is busy reaping, so each is a zombie that
// Bun has not collected yet while reapOrphans() runs, and each leaves an orphan behind. Prints JSON.
import { becomeSubreaper, reapOrphans, type ReapedOrphan } from "../../src/os/reaper.ts";
import { spawnChild } from "../../src/os/spawn.ts";

const ROUNDS = Number(process.argv[2] ?? 50);
const role = becomeSubreaper();
const exitCodes: (number | null)[] = [];
const childPids: number[] = [];
const reaped: ReapedOrphan[] = [];

for (let round = 0; round < ROUNDS; round++) {
  const exited = new Promise<void>((resolve) => {
    const child = spawnChild({
      // the child leaves an orphan that exits 5, then exits 7 itself
      argv: ["sh", "-c", "sh -c 'exit 5' & exit 7"],
      cwd: null, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, credentials: null, umask: null, output: "inherit",
      onExit: (code) => {
        exitCodes.push(code);
        resolve();
      },
    });
    childPids.push(child.pid);
    // Busy for 50 ms: the child exits meanwhile and stays a zombie, as Bun runs no callback until we yield.
    const until = performance.now() + 50;
    while (performance.now() < until) reaped.push(...reapOrphans());
  });
  await exited;
}
await Bun.sleep(50);
reaped.push(...reapOrphans());
process.stdout.write(JSON.stringify({ role, exitCodes, childPids, reaped }));
