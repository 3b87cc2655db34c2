// A real systemd as PID 1 for the unit's tests: a debootstrapped Debian bookworm (systemd,
// systemd-sysv, dbus, procps for the unit's /bin/kill) booted in a systemd-nspawn container, with
// dist/tsvisor at /usr/local/bin/tsvisor, packaging/systemd/tsvisor.service installed as shipped and
// a config of the test's. Tests drive it as an administrator would: `systemctl …` and `journalctl …`
// run inside it through `nsenter -t PID1 -a`.
//
// The root file system is cached (test/infra/cache-dir.ts); each boot gets an overlay of its own on
// it, so nothing a test does reaches the cache or another test.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { isAlive } from "../infra/processes.ts";
import { exec, execOk, tail, type CommandOptions, type Output } from "../infra/command.ts";
import { ensureDebianPackages } from "../infra/debian-packages.ts";
import { debianRootfs } from "../infra/debian-rootfs.ts";
import { waitFor } from "../infra/wait-for.ts";
import { TSVISOR } from "../integration/_harness.ts";

const UNIT = resolve(import.meta.dir, "../../packaging/systemd/tsvisor.service");
// Outside the cache: what a boot writes is thrown away with it.
const BOOTS_DIR = "/var/tmp/tsvisor-test-boots";

export interface BootOptions {
  /** /etc/tsvisor/tsvisor.toml, the path the shipped unit's ExecStart names. */
  config: string;
  /** Drop-ins for the unit, by file name: { "watchdog.conf": "[Service]\nWatchdogSec=2\n" }. */
  dropIns?: Record<string, string>;
}

export class BootedSystem implements AsyncDisposable {
  private nspawn!: Subprocess;
  /** PID 1 of the container, as this machine sees it. */
  pid1 = 0;

  private constructor(private readonly dir: string, readonly name: string) {}

  /** Boot a fresh system with tsvisor installed (not started: `systemctl start tsvisor` is the test's). */
  static async boot(options: BootOptions): Promise<BootedSystem> {
    await ensureDebianPackages("systemd-container");
    const lower = await debianRootfs({ name: "systemd", include: ["systemd", "systemd-sysv", "dbus", "procps"] });
    await cleanUpAfterDeadRuns();
    const name = `tsvisor-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const dir = join(BOOTS_DIR, name);
    for (const sub of ["upper", "work", "root"]) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, "owner.pid"), String(process.pid));
    const system = new BootedSystem(dir, name);
    try {
      await execOk(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work`, system.root]);
      system.writeFile("/etc/systemd/system/tsvisor.service", readFileSync(UNIT, "utf8"));
      system.writeFile("/etc/tsvisor/tsvisor.toml", options.config);
      for (const [file, text] of Object.entries(options.dropIns ?? {})) system.writeFile(`/etc/systemd/system/tsvisor.service.d/${file}`, text);
      await system.start();
      return system;
    } catch (error) {
      await system[Symbol.asyncDispose]();
      throw error;
    }
  }

  /** The container's root directory on this machine (the overlay). */
  get root(): string {
    return join(this.dir, "root");
  }

  /** Write a file inside the container (seen there at once: it is the container's own root). */
  writeFile(path: string, text: string): void {
    const file = join(this.root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  /** ARGS run inside the container: its namespaces, its root, its systemd's bus. */
  run(args: string[], options: CommandOptions = {}): Promise<Output> {
    return exec(["nsenter", "-t", String(this.pid1), "-a", "--", ...args], options);
  }

  /** `systemctl ARGS` inside the container. */
  systemctl(...args: string[]): Promise<Output> {
    return this.run(["systemctl", "--no-pager", ...args], { timeoutMs: 180_000 });
  }

  /** `journalctl ARGS` inside the container: the lines (the messages alone with `-o cat`). */
  async journalctl(...args: string[]): Promise<string[]> {
    const { stdout } = await this.run(["journalctl", "--no-pager", ...args]);
    return stdout.split("\n").filter(Boolean);
  }

  /** One property of a unit: `systemctl show -p NAME --value UNIT`. */
  async property(unit: string, name: string): Promise<string> {
    return (await this.systemctl("show", "-p", name, "--value", unit)).stdout.trim();
  }

  /** `tsvisor ARGS` inside the container: an ops shell on the host. */
  tsvisor(...args: string[]): Promise<Output> {
    return this.run(["tsvisor", ...args]);
  }

  /** `systemctl reboot`, then wait until the system has booted again (same root, new PID 1). */
  async reboot(): Promise<void> {
    await this.systemctl("reboot");
    // systemd-nspawn exits with 133 when the container asked for a reboot: booting it again is the
    // caller's part (systemd-nspawn@.service does it with RestartForceExitStatus=133).
    const code = await Promise.race([this.nspawn.exited, Bun.sleep(60_000).then(() => "still running")]);
    if (code !== 133) throw new Error(`systemd-nspawn after \`systemctl reboot\`: ${code}, not 133\n${this.console()}`);
    await this.start();
  }

  /** What the container printed to its console (systemd's boot and shutdown messages). */
  console(): string {
    return tail(existsSync(join(this.dir, "console.log")) ? readFileSync(join(this.dir, "console.log"), "utf8") : "", 60);
  }

  private async start(): Promise<void> {
    const log = Bun.file(join(this.dir, "console.log"));
    this.nspawn = Bun.spawn([
      "systemd-nspawn", "--quiet", "-D", this.root, "--machine", this.name, "--boot",
      // no machined here to register with; --keep-unit, or systemd-nspawn fails with "Failed to open system bus"
      "--register=no", "--keep-unit",
      // the container's own loopback only: nothing it does reaches this machine's network
      "--private-network",
      "--console=passive",
      `--bind-ro=${TSVISOR}:/usr/local/bin/tsvisor`,
    ], { stdin: "ignore", stdout: log, stderr: log });
    writeFileSync(join(this.dir, "nspawn.pid"), String(this.nspawn.pid));
    this.pid1 = await waitFor(() => {
      if (this.nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited with ${this.nspawn.exitCode}\n${this.console()}`);
      return containerInit(this.nspawn.pid);
    }, `the container's PID 1\n${this.console()}`, 30_000);
    // "running", or "degraded" if a unit of the minimal system failed (not ours to judge): booted either way.
    await waitFor(async () => /^(running|degraded)$/m.test((await this.run(["systemctl", "is-system-running", "--wait"], { timeoutMs: 60_000 })).stdout),
      `the container to finish booting\n${this.console()}`, 90_000);
  }

  /** Power the container off (SIGTERM to systemd-nspawn: a clean shutdown), unmount and delete its overlay. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.nspawn && this.nspawn.exitCode === null) {
      this.nspawn.kill("SIGTERM");
      const halted = await Promise.race([this.nspawn.exited.then(() => true), Bun.sleep(60_000).then(() => false)]);
      if (!halted) {
        this.nspawn.kill("SIGKILL");
        await this.nspawn.exited;
      }
    }
    await removeBoot(this.dir);
  }
}

// The container's init: systemd-nspawn's child whose pid in its own namespace is 1.
function containerInit(nspawnPid: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = /^PPid:\s+(\d+)$/m.exec(status)?.[1];
      const nspid = /^NSpid:\s+([\d\s]+)$/m.exec(status)?.[1]?.trim().split(/\s+/);
      if (Number(ppid) === nspawnPid && nspid && nspid.length > 1 && nspid.at(-1) === "1") return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

// A test run killed with SIGKILL leaves its containers running and its overlays mounted.
async function cleanUpAfterDeadRuns(): Promise<void> {
  if (!existsSync(BOOTS_DIR)) return;
  for (const name of readdirSync(BOOTS_DIR)) {
    const dir = join(BOOTS_DIR, name);
    const owner = Number(readText(join(dir, "owner.pid")));
    if (owner && isAlive(owner)) continue;
    const nspawn = Number(readText(join(dir, "nspawn.pid")));
    if (nspawn && isAlive(nspawn) && readText(`/proc/${nspawn}/cmdline`).includes(dir)) {
      process.kill(nspawn, "SIGTERM"); // a clean halt of the container
      await waitFor(() => !isAlive(nspawn), `the leftover container ${name} to halt`, 30_000).catch(() => process.kill(nspawn, "SIGKILL"));
    }
    await removeBoot(dir);
  }
}

async function removeBoot(dir: string): Promise<void> {
  const root = join(dir, "root");
  if (readFileSync("/proc/self/mounts", "utf8").split("\n").some((line) => line.split(" ")[1] === root)) {
    await exec(["umount", "-l", root]);
  }
  rmSync(dir, { recursive: true, force: true });
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}
