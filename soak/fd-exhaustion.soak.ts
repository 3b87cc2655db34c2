// File descriptor exhaustion: tsvisor at RLIMIT_NOFILE 96 with 40 programs that exit and are restarted
// all the time, so spawns keep running into the descriptors tsvisor keeps for answering, while clients
// hold idle connections to the control socket and ask `status` and `check` in a loop. Every question
// is answered within 5 s, tsvisor never holds more descriptors than its limit allows it to count, and
// once the churn stops it says it has room again.
import { expect, test } from "bun:test";
import type { Socket } from "bun";
import { Daemon, TSVISOR, tempDir, waitFor } from "../test/integration/_harness.ts";
import { allFdCount, budgetMs } from "./_budget.ts";

const LIMIT = 96;
const PROGRAMS = 40;
const DEADLINE_MS = 5000;

async function askWithin(daemon: Daemon, args: string[]): Promise<{ code: number; ms: number }> {
  const started = performance.now();
  const proc = Bun.spawn([TSVISOR, ...args], {
    env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdin: "ignore", stdout: "ignore", stderr: "ignore", timeout: DEADLINE_MS, killSignal: "SIGKILL",
  });
  const code = await proc.exited;
  return { code: proc.signalCode === "SIGKILL" ? 137 : code, ms: performance.now() - started };
}

test("spawns churning at the descriptor limit never cost the control socket its answers", async () => {
  using dir = tempDir();
  // exits after 0-0.3 s: restarted at once (startsecs = 0 makes each run a success), over and over
  const programs = Array.from({ length: PROGRAMS }, (_, i) =>
    `[programs.c${i}]\ncommand = ["sh", "-c", "sleep 0.$(( $$ % 4 )); exit 3"]\nstartsecs = 0\nautorestart = true\nconsole = false\n`).join("\n");
  await using daemon = Daemon.start(dir.path, programs, { wrapper: ["prlimit", `--nofile=${LIMIT}:${LIMIT}`, "--"] });
  await daemon.waitForSocket();
  await daemon.waitForLog(/WARN file descriptors: \d+ of 96 open/);

  const deadline = Date.now() + budgetMs(0.05);
  const slow: string[] = [];
  let asked = 0;
  let peak = 0;
  while (Date.now() < deadline) {
    // a few idle connections held while two clients ask
    const held: Socket[] = await Promise.all(Array.from({ length: Math.floor(Math.random() * 6) }, () =>
      Bun.connect({ unix: daemon.socket, socket: { data() {}, error() {} } })));
    const answers = await Promise.all([askWithin(daemon, ["status"]), askWithin(daemon, ["check"])]);
    for (const socket of held) socket.end();
    asked += answers.length;
    peak = Math.max(peak, allFdCount(daemon.proc.pid)); // the limit counts every descriptor
    for (const [i, a] of answers.entries()) if (a.code === 137 || a.code === 2) slow.push(`${["status", "check"][i]}: exit ${a.code} after ${Math.round(a.ms)} ms`);
  }
  expect(slow).toEqual([]);
  expect(peak).toBeLessThanOrEqual(LIMIT);

  // the churn stops: room again, said once
  expect((await daemon.ctl(["stop", "all"])).exitCode).toBeLessThanOrEqual(1);
  await daemon.waitForLog(/INFO file descriptors: \d+ of 96 open; programs, connections and streams are accepted again/, 30_000);
  await waitFor(async () => (await askWithin(daemon, ["status"])).code === 0, "status after the churn");
  expect(daemon.proc.exitCode).toBeNull();
  process.stderr.write(`fd exhaustion: ${asked} questions answered, peak ${peak} of ${LIMIT} descriptors\n`);
}, 3_600_000);
