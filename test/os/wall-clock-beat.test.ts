// os/wall-clock-beat.ts: periodic jobs run at the wall clock's multiples of their periods, and jobs due
// at the same multiple run in one wake-up (one timer, one macrotask): an idle daemon's sample, TICK_5
// events and minute's release cost one wake-up, not three. Run in a process of its own, where no other
// module has jobs.
import { expect, test } from "bun:test";
import { join } from "node:path";

const BEAT = JSON.stringify(join(import.meta.dir, "../../src/os/wall-clock-beat.ts"));

function run(script: string): any {
  const proc = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" });
  if (proc.exitCode !== 0) throw new Error(`the script failed: ${proc.stderr.toString()}`);
  return JSON.parse(proc.stdout.toString());
}

test("jobs run just past each multiple of their period, and jobs due together run in the same wake-up", () => {
  const seen = run(`
import { onWallClockMultiples } from ${BEAT};
const runs = [];
let wakeUp = 0;
let counted = false;
// a new macrotask is a new wake-up: the microtask queued by the first job of one runs before the next
// (between two timers' callbacks too, even when they fire in the same turn of the event loop)
const note = (job) => {
  if (!counted) { wakeUp++; counted = true; queueMicrotask(() => (counted = false)); }
  runs.push({ job, wakeUp, pastMultiple: Date.now() % (job === "fast" ? 100 : 200) });
};
const fast = onWallClockMultiples(100, () => note("fast"));
const slow = onWallClockMultiples(200, () => note("slow"));
setTimeout(() => { fast.cancel(); slow.cancel(); console.log(JSON.stringify(runs)); }, 1050);
`);
  const slow = seen.filter((r: any) => r.job === "slow");
  const fast = seen.filter((r: any) => r.job === "fast");
  expect(fast.length).toBeGreaterThanOrEqual(9);
  expect(slow.length).toBeGreaterThanOrEqual(4);
  // every run a few ms past its multiple (the timer fires no sooner than asked; allow a slow machine)
  for (const r of seen) expect(r.pastMultiple).toBeGreaterThanOrEqual(3);
  // each slow run shares its wake-up with a fast run: as many wake-ups as fast runs
  for (const r of slow) expect(fast.map((f: any) => f.wakeUp)).toContain(r.wakeUp);
  expect(new Set(seen.map((r: any) => r.wakeUp)).size).toBe(fast.length);
});

test("a job that throws does not keep the others of its wake-up from running, nor itself from running again; its error is thrown after them", () => {
  const seen = run(`
import { onWallClockMultiples } from ${BEAT};
const runs = { throwing: 0, other: 0, errors: [] };
process.on("uncaughtException", (error) => runs.errors.push(error.message));
const a = onWallClockMultiples(100, () => { runs.throwing++; throw new Error("boom"); });
const b = onWallClockMultiples(100, () => runs.other++);
setTimeout(() => { a.cancel(); b.cancel(); console.log(JSON.stringify(runs)); }, 450);
`);
  expect(seen.throwing).toBeGreaterThanOrEqual(3);
  expect(seen.other).toBe(seen.throwing);
  expect(seen.errors).toEqual(Array(seen.throwing).fill("boom"));
});

test("a cancelled job runs no more", () => {
  const seen = run(`
import { onWallClockMultiples } from ${BEAT};
let runs = 0;
const job = onWallClockMultiples(50, () => { if (++runs === 2) job.cancel(); });
process.on("exit", () => console.log(JSON.stringify({ runs })));
setTimeout(() => {}, 400);
`);
  expect(seen).toEqual({ runs: 2 });
});
