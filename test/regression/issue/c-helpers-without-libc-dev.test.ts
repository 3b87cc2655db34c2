// Regression: found by test:systemd (issue 17) — on a system without a libc development package (the
// debian:bookworm-slim image, a minimal host, the booted systemd of test:systemd), TinyCC could not
// link the C helpers (it looked for libc.so and crt1.o), so the watchdog's SIGABRT got Bun's crash
// banner instead of tsvisor's line, STKFLT and the real-time signals were never forwarded, and line
// prefixes took the slow path. Here such a system is made in a mount namespace: the development
// files are hidden under an overlay of whiteouts, the shared libc is left as it is.
import { expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { realtimeRange } from "../../../src/os/realtime-signals.ts";
import { NotifyListener, uniqueAbstractName } from "../../systemd/_notify-listener.ts";
import { Daemon, fixture, readLines, tempDir, waitFor } from "../../integration/_harness.ts";

const LIB_DIR = `/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`;
// What libc6-dev adds that a C compiler links with; the loader and libc.so.6 stay.
const DEV_FILES = ["libc.so", "libc_nonshared.a", "crt1.o", "crti.o", "crtn.o", "Scrt1.o"];

// `unshare --mount` with LIB_DIR overlaid by whiteouts of DEV_FILES, then exec of the command (same pid).
function withoutLibcDev(dir: string): string[] {
  const [upper, work] = [join(dir, "upper"), join(dir, "work")];
  mkdirSync(upper);
  mkdirSync(work);
  for (const file of DEV_FILES) expect(Bun.spawnSync(["mknod", join(upper, file), "c", "0", "0"]).exitCode).toBe(0);
  const overlay = `mount -t overlay overlay -o lowerdir=${LIB_DIR},upperdir=${upper},workdir=${work} ${LIB_DIR}`;
  return ["unshare", "--mount", "sh", "-c", `${overlay} && test ! -e ${LIB_DIR}/libc.so && exec "$@"`, "sh"];
}

test("STKFLT and the real-time signals are caught and forwarded without libc's development files", async () => {
  using dir = tempDir();
  const record = join(dir.path, "record");
  const rtmin3 = realtimeRange()!.min + 3;
  await using daemon = Daemon.start(dir.path, `
[supervisor]
forward_signals = ["RTMIN+3"]
[programs.listener]
command = ["${fixture("signals")}"]
environment = { RECORD = "${record}", EXTRA_SIGNALS = "${rtmin3}:RTMIN+3" }
`, { wrapper: withoutLibcDev(dir.path) });
  await waitFor(() => readLines(record).includes("ready"), `the fixture's traps\n${daemon.log.join("\n")}`);
  process.kill(daemon.proc.pid, rtmin3);
  await waitFor(() => readLines(record).includes("RTMIN+3"), `RTMIN+3 to reach the program\n${daemon.log.join("\n")}`);
  expect(daemon.logLines(/TinyCC|cannot be caught/)).toEqual([]);
});

test("the watchdog's SIGABRT gives tsvisor's line, not Bun's crash banner, without libc's development files", async () => {
  using dir = tempDir();
  await using listener = await NotifyListener.start(uniqueAbstractName());
  const daemon = Daemon.start(dir.path, `[programs.web]\ncommand = ["sleep", "1000"]\n`, {
    wrapper: withoutLibcDev(dir.path), env: { NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: "30000000" },
  });
  await listener.next((m) => "WATCHDOG" in m.fields, "the first ping (the handler is armed before it)");
  daemon.signal("SIGABRT"); // what systemd sends when WatchdogSec= passes without a ping
  await daemon.proc.exited;
  expect({ signal: daemon.proc.signalCode, watchdog: daemon.logLines(/watchdog:/), banner: daemon.logLines(/Bun has crashed/) }).toEqual({
    signal: "SIGABRT", watchdog: [expect.stringContaining("watchdog: systemd's watchdog fired (no WATCHDOG=1 for 30 s); aborting")], banner: [],
  });
});
