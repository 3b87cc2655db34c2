import { expect, test } from "bun:test";
import { join } from "node:path";
import type { ReapedOrphan } from "../../src/os/reaper.ts";

test("the reaper takes orphans and never a child Bun is waiting for, even while that child is a zombie", async () => {
  const rounds = 50;
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "reaper-fixture.ts"), String(rounds)], { stdout: "pipe", stderr: "inherit" });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  const result = JSON.parse(text) as { role: unknown; exitCodes: number[]; childPids: number[]; reaped: ReapedOrphan[] };
  expect([code, result.role]).toEqual([0, { ok: true, role: "subreaper" }]);
  // Bun got every child's real status: none was taken from it
  expect(result.exitCodes).toEqual(Array(rounds).fill(7));
  expect(result.reaped.filter((orphan) => result.childPids.includes(orphan.pid))).toEqual([]);
  // and every orphan was reaped here, with its own status
  expect(result.reaped.length).toBe(rounds);
  expect(new Set(result.reaped.map((orphan) => JSON.stringify(orphan.status)))).toEqual(new Set([JSON.stringify({ kind: "exited", code: 5 })]));
});
