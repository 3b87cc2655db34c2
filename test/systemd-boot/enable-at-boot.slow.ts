// `systemctl enable` (the unit's WantedBy=multi-user.target): after a reboot tsvisor is running
// with its programs, started by systemd at boot.
import { expect, test } from "bun:test";
import { waitFor } from "../infra/wait-for.ts";
import { BootedSystem } from "./_system.ts";

test("`systemctl enable tsvisor`, then a reboot: systemd starts tsvisor at boot and its programs run", async () => {
  await using system = await BootedSystem.boot({
    config: `
[programs.service]
command = ["sleep", "infinity"]
`,
  });
  expect((await system.systemctl("enable", "tsvisor")).exitCode).toBe(0);
  expect((await system.systemctl("is-active", "tsvisor")).stdout.trim()).toBe("inactive"); // enable alone starts nothing
  await system.reboot();
  expect((await system.systemctl("is-enabled", "tsvisor")).stdout.trim()).toBe("enabled");
  await waitFor(async () => (await system.systemctl("is-active", "tsvisor")).stdout.trim() === "active", "tsvisor to be active after the boot");
  const { stdout } = await system.tsvisor("status", "service");
  expect(stdout).toMatch(/^service\s+RUNNING\s/m);
});
