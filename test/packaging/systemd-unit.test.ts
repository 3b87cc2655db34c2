// packaging/systemd/tsvisor.service passes `systemd-analyze verify` and says what the issue asks for.
import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "../..");
const UNIT = join(REPO, "packaging/systemd/tsvisor.service");
const TSVISOR = join(REPO, "dist/tsvisor");

// systemd-analyze comes with Debian's `systemd` package; a clean CI machine may lack it.
const ensured = Bun.spawnSync(["bash", join(REPO, "scripts/ensure-debian-packages.sh"), "systemd"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install systemd (for systemd-analyze): ${ensured.stderr.toString()}`);

test("systemd-analyze verify passes on the unit, with no warning", () => {
  // verify checks that ExecStart's binary exists: /usr/local/bin/tsvisor. Rather than install it on
  // this machine or edit the unit, the check runs in a private mount namespace (unshare, as root here
  // and in CI) where /usr/local/bin is a directory holding a copy of dist/tsvisor; the host is untouched.
  const bin = mkdtempSync(join(tmpdir(), "tsvisor-unit-"));
  try {
    cpSync(TSVISOR, join(bin, "tsvisor"));
    const verify = Bun.spawnSync(["unshare", "--mount", "sh", "-c", `mount --bind "$1" /usr/local/bin && exec systemd-analyze verify "$2"`, "sh", bin, UNIT], {
      stdout: "pipe", stderr: "pipe",
    });
    // A misspelt key only warns ("Unknown key ..., ignoring") with exit 0: stderr must be empty too.
    expect({ exitCode: verify.exitCode, stderr: verify.stderr.toString() }).toEqual({ exitCode: 0, stderr: "" });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});

test("the unit is Type=notify, reloads through `tsvisor reload`, stops with KillMode=mixed, restarts on failure but not on a config error, has a watchdog", () => {
  const service = Object.fromEntries(
    readFileSync(UNIT, "utf8").split("\n").filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
  expect(service).toMatchObject({
    Type: "notify",
    ExecStart: "/usr/local/bin/tsvisor run -c /etc/tsvisor/tsvisor.toml",
    // waits and fails with the reason (issue 15: `kill -HUP` reported success for a broken config)
    ExecReload: "/usr/local/bin/tsvisor reload -c /etc/tsvisor/tsvisor.toml",
    KillMode: "mixed",
    Restart: "on-failure",
    // a config error (exit 2) is not retried forever (issue 15: 19 restarts in 45 s)
    RestartPreventExitStatus: "2",
    NoNewPrivileges: "yes",
    ProtectSystem: "full",
    PrivateTmp: "yes",
  });
  // Above the default stopwaitsecs (10 s) several priority levels over, and the watchdog is on.
  expect([Number(service.TimeoutStopSec) >= 60, Number(service.WatchdogSec) > 0]).toEqual([true, true]);
});
