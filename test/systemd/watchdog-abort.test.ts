// The SIGABRT report behind systemd's watchdog (os/signal-handlers.c, systemd/watchdog-abort.ts): a
// handler in C, so it works when the JavaScript thread is stuck, which is when the watchdog fires.
// Blocking only the JavaScript thread (Bun.sleepSync) shows it: a JS handler could not run then.
import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { watchdogFiredMessage } from "../../src/systemd/watchdog-abort.ts";
import { collectLines, waitFor } from "../integration/_harness.ts";

const FIXTURE = resolve(import.meta.dir, "../fixtures/abort-report-fixture.ts");

async function runFixture(mode: "block" | "raise", sendAbort: boolean) {
  const proc = Bun.spawn([process.execPath, FIXTURE, mode], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
  const stdout: string[] = [];
  const drained = collectLines(proc.stdout, stdout);
  await waitFor(() => stdout.includes("armed"), "the fixture to arm its handler");
  if (sendAbort) proc.kill("SIGABRT"); // from another process, as systemd sends it
  const stderr = await new Response(proc.stderr).text();
  await Promise.all([proc.exited, drained]);
  return { signal: proc.signalCode, stderr };
}

test.concurrent("SIGABRT from another process while the JavaScript thread is stuck: the line, then death by SIGABRT (a core dump)", async () => {
  const started = Date.now();
  expect(await runFixture("block", true)).toEqual({ signal: "SIGABRT", stderr: "external SIGABRT reported\n" });
  expect(Date.now() - started).toBeLessThan(20_000); // the fixture blocks for 30 s: the handler did not wait for it
});

test.concurrent("an abort() inside the process still reaches the handler that was there before (Bun's crash report)", async () => {
  const { signal, stderr } = await runFixture("raise", false);
  expect([signal, stderr.includes("external SIGABRT reported"), stderr.includes("abort() called")]).toEqual(["SIGABRT", false, true]);
});

test("the watchdog's line says how long systemd waited", () => {
  expect(watchdogFiredMessage(30_000_000)).toBe("watchdog: systemd's watchdog fired (no WATCHDOG=1 for 30 s); aborting");
  expect(watchdogFiredMessage(500_000)).toBe("watchdog: systemd's watchdog fired (no WATCHDOG=1 for 0.5 s); aborting");
});
