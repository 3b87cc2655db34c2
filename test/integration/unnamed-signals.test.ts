// Regression: issue 15 item 12 — SIGSTKFLT and the real-time signals killed tsvisor when it was not
// PID 1, in both modes (Bun's process.on has no name for them), and its children died with it through
// their parent-death signal: init mode exited 144, run mode without a log line. As PID 1 they were
// dropped. Now init mode forwards them to CMD, as tini does, and run mode forwards the ones
// `[supervisor] forward_signals` lists and logs and ignores the rest.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { realtimeRange } from "../../src/os/realtime-signals.ts";
import { Daemon, TSVISOR, collectLines, fixture, readLines, tempDir, waitFor } from "./_harness.ts";
import { Pid1 } from "./_pidns.ts";

const range = realtimeRange()!;
const RT = { RTMIN: range.min, "RTMIN+2": range.min + 2, "RTMIN+3": range.min + 3, RTMAX: range.max, STKFLT: 16 } as const;
// For the fixture: each number trapped and recorded under its name.
const EXTRA_SIGNALS = Object.entries(RT).map(([name, n]) => `${n}:${name}`).join(" ");

// Has `pid` a handler for these signals (their bits in SigCgt of /proc/PID/status)? Init mode installs
// it once CMD has run 50 ms (src/init.ts); a signal sent before that is ignored, not forwarded. Run mode
// installs it before any program starts, so its tests need not ask.
function catchesThem(pid: number): boolean {
  const mask = BigInt(`0x${/^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "0"}`);
  return Object.values(RT).every((n) => ((mask >> BigInt(n - 1)) & 1n) === 1n);
}

// Send each signal in turn, waiting until the fixture has recorded it, so that none merges with another.
async function sendEach(pid: number, names: (keyof typeof RT)[], record: string): Promise<void> {
  for (const name of names) {
    const before = readLines(record).length;
    process.kill(pid, RT[name]);
    await waitFor(() => readLines(record).length > before, `${name} to reach the program\n${readLines(record).join("\n")}`);
  }
}

describe("init mode forwards them to CMD, as tini does", () => {
  test.concurrent("not as PID 1: tsvisor survives them and CMD gets each one", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    const proc = Bun.spawn([TSVISOR, "--", fixture("signals")], {
      env: { ...process.env, RECORD: record, EXTRA_SIGNALS }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
    const stderr: string[] = [];
    const drained = collectLines(proc.stderr, stderr);
    await waitFor(() => readLines(record).includes("ready"), "the fixture's traps");
    await waitFor(() => catchesThem(proc.pid), "tsvisor's handler for them");
    await sendEach(proc.pid, ["RTMIN", "RTMIN+2", "RTMAX", "STKFLT"], record);
    proc.kill("SIGTERM");
    expect([await proc.exited, readLines(record)]).toEqual([0, ["ready", "RTMIN", "RTMIN+2", "RTMAX", "STKFLT", "TERM"]]);
    await drained;
    expect(stderr).toEqual([]);
  });

  test.concurrent("as PID 1 (where they used to be dropped) CMD gets each one", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using pid1 = Pid1.start(["--", fixture("signals")], { env: { RECORD: record, EXTRA_SIGNALS } });
    await waitFor(() => readLines(record).includes("ready"), "the fixture's traps");
    await waitFor(async () => catchesThem(await pid1.pid()), "tsvisor's handler for them");
    await sendEach(await pid1.pid(), ["RTMIN+3", "STKFLT"], record);
    await pid1.signal("SIGTERM");
    expect([await pid1.exited(), readLines(record)]).toEqual([0, ["ready", "RTMIN+3", "STKFLT", "TERM"]]);
  });
});

describe("run mode forwards what forward_signals lists, logs and ignores the rest", () => {
  const config = (record: string, forward: string) => `
[supervisor]
forward_signals = ${forward}

[programs.app]
command = ["${fixture("signals")}"]
environment = { RECORD = "${record}", EXTRA_SIGNALS = "${EXTRA_SIGNALS}" }
startsecs = 0
`;

  test.concurrent("unlisted: one log line each; tsvisor and the program keep running", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using daemon = Daemon.start(dir.path, config(record, "[]"));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    process.kill(daemon.proc.pid, RT["RTMIN+3"]);
    await daemon.waitForLog(/SIGRTMIN\+3 received: ignored \(list it in \[supervisor\] forward_signals/);
    process.kill(daemon.proc.pid, RT.STKFLT);
    await daemon.waitForLog(/SIGSTKFLT received: ignored/);
    daemon.signal("SIGTERM");
    expect([await daemon.exited(), readLines(record)]).toEqual([0, ["ready", "TERM"]]);
  });

  test.concurrent("listed (by their `kill -l` names): each reaches the program", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using daemon = Daemon.start(dir.path, config(record, '["SIGRTMIN+3", "stkflt", "RTMAX"]'));
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    await sendEach(daemon.proc.pid, ["RTMIN+3", "STKFLT", "RTMAX"], record);
    await daemon.waitForLog(/SIGRTMIN\+3 received: forwarded to app/);
    daemon.signal("SIGTERM");
    expect([await daemon.exited(), readLines(record)]).toEqual([0, ["ready", "RTMIN+3", "STKFLT", "RTMAX", "TERM"]]);
  });

  test.concurrent("where the C handler cannot be compiled they are ignored, with a warning, rather than lethal", async () => {
    using dir = tempDir();
    const record = join(dir.path, "record");
    await using daemon = Daemon.start(dir.path, config(record, '["RTMIN+3"]'), { env: { TSVISOR_NO_NATIVE: "1" } });
    await daemon.waitForLog(/SIGSTKFLT and the real-time signals cannot be caught here \(no TinyCC to compile the C handler\), so they are ignored/);
    await waitFor(() => readLines(record).includes("ready"), "the program to start");
    process.kill(daemon.proc.pid, RT["RTMIN+3"]); // an ignored signal is discarded as it is sent
    daemon.signal("SIGTERM");
    expect([await daemon.exited(), readLines(record)]).toEqual([0, ["ready", "TERM"]]);
  });
});
