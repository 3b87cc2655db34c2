// Regression: red team — `tsvisor events -f` dropped by the daemon for falling more than 1 MiB behind
// exited 0 without a word, as if tsvisor had exited. It must say why on stderr and exit 1.
import { expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followProcessLog, processLogEventsConfig } from "./_events.ts";
import { Daemon, tempDir, waitFor } from "./_harness.ts";

test("events -f that falls more than 1 MiB behind is told why on stderr and exits 1; the daemon goes on", async () => {
  using dir = tempDir();
  const go = join(dir.path, "go");
  const burstDone = join(dir.path, "burst-done");
  // A line every 0.1 s until the test says go; then 4 MiB of 1000-byte lines in 64 KiB writes, each
  // piece a PROCESS_LOG_STDOUT event; then quiet. dd returns once tsvisor has read all but a pipe's worth.
  const script = `while [ ! -e ${go} ]; do echo tick; sleep 0.1; done
yes ${"x".repeat(999)} | head -c 4194304 | dd bs=65536 iflag=fullblock status=none
touch ${burstDone}
exec sleep 1000`;
  await using daemon = Daemon.start(dir.path, processLogEventsConfig("burst", script));
  await daemon.waitForSocket();
  const follower = followProcessLog(daemon, "burst");
  let printed = "";
  const stdout = (async () => {
    // only the start is kept: enough to see the follow is live
    for await (const chunk of follower.stdout.pipeThrough(new TextDecoderStream())) if (printed.length < 4096) printed += chunk;
  })();
  const stderr = new Response(follower.stderr).text();
  try {
    await waitFor(() => printed.includes("PROCESS_LOG_STDOUT burst"), "the follower printing the program's ticks");
    // The follower reads nothing while stopped: the burst's events pile up in tsvisor's queue for it.
    follower.kill("SIGSTOP");
    writeFileSync(go, "");
    await waitFor(() => existsSync(burstDone), "the burst written (4 MiB of events, far past the 1 MiB the follower may lag)", 60_000);
    follower.kill("SIGCONT");
    await waitFor(() => follower.exitCode !== null, "the follower's exit", 30_000);
  } finally {
    follower.kill("SIGCONT");
    follower.kill("SIGKILL");
  }
  await stdout;
  expect([follower.exitCode, await stderr]).toEqual([1,
    "tsvisor: events -f: tsvisor stopped sending events to this follower: it fell more than 1 MiB behind; events after the last one printed were missed\n" +
    "hint: read the output faster (what it is piped into may be slow), or follow fewer events with --type or NAMEs (PROCESS_LOG events are the bulk)\n",
  ]);
  expect((await daemon.status("burst"))?.state).toBe("RUNNING");
  expect(daemon.logLines(/ERROR|WARN/)).toEqual([]);
});
