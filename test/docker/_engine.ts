// A Docker engine of the test run's own: Debian's dockerd (package docker.io), started on first use
// on a private socket and stopped at the end of the run, also when a test failed. `npm run
// test:docker` preloads this module, so its afterAll closes the whole run; a single file run without
// the preload stops the engine after that file (and the next file starts it again).
//
// The data root lives in the test cache: the base images imported from debootstrapped root file
// systems and the layers of earlier builds survive the run, so only the first run pays minutes. One
// engine at a time may use it: a lock in the cache makes a second run (another worktree) wait.
import { afterAll } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { cachePath, lockCache, type CacheLock } from "../infra/cache-dir.ts";
import { isAlive } from "../infra/processes.ts";
import { exec, execOk, tail, type CommandOptions, type Output } from "../infra/command.ts";
import { ensureDebianPackages } from "../infra/debian-packages.ts";
import { waitFor } from "../infra/wait-for.ts";

// Short on purpose: containerd's sockets live under the exec root, and a unix socket path has 107 bytes.
const RUN_DIR = "/run/tsvisor-test-docker";
const SOCKET = join(RUN_DIR, "docker.sock");
const EXEC_ROOT = join(RUN_DIR, "exec");
const PIDFILE = join(RUN_DIR, "dockerd.pid");
const DATA_ROOT = cachePath("docker");
const LOG = cachePath("dockerd.log");
// docker.io's client, the same version as its dockerd (20.10): not whichever docker is first on PATH.
const DOCKER = "/usr/bin/docker";

/** Label of every container the tests start: the engine removes them all when it stops. */
export const TEST_LABEL = "tsvisor-test";

export class DockerEngine {
  constructor(private readonly dockerd: Subprocess, private readonly lock: CacheLock) {}

  /** Environment for a docker client talking to this engine (also for one started through `script`). */
  readonly env: Record<string, string> = {
    DOCKER_HOST: `unix://${SOCKET}`,
    // dockerd 20.10's BuildKit cannot use the host network that builds need here: the classic builder.
    DOCKER_BUILDKIT: "0",
    // No credential helper, context or proxy setting of this machine's user applies.
    DOCKER_CONFIG: join(RUN_DIR, "client"),
  };

  readonly client = DOCKER;

  /** `docker ARGS` against this engine. */
  docker(args: string[], options: CommandOptions = {}): Promise<Output> {
    return exec([DOCKER, ...args], { ...options, env: { ...options.env, ...this.env } });
  }

  /** `docker ARGS`, failing with docker's message on a non-zero exit. */
  dockerOk(args: string[], options: CommandOptions = {}): Promise<Output> {
    return execOk([DOCKER, ...args], { ...options, env: { ...options.env, ...this.env } });
  }

  /** Remove the tests' containers and the images left untagged by rebuilds, then stop dockerd. */
  async stop(): Promise<void> {
    try {
      const ids = (await this.docker(["ps", "-aq", "--filter", `label=${TEST_LABEL}`])).stdout.split("\n").filter(Boolean);
      if (ids.length > 0) await this.docker(["rm", "-f", ...ids], { timeoutMs: 60_000 });
      // Each change of src/ leaves the previous build's image behind: without this the cache grows every run.
      await this.docker(["image", "prune", "-f"], { timeoutMs: 60_000 });
    } finally {
      this.dockerd.kill("SIGTERM");
      const stopped = await Promise.race([this.dockerd.exited.then(() => true), Bun.sleep(30_000).then(() => false)]);
      if (!stopped) this.dockerd.kill("SIGKILL");
      await killLeftovers();
      this.lock.release();
    }
  }
}

let engine: Promise<DockerEngine> | null = null;

/** The run's engine, started on the first call. */
export function dockerEngine(): Promise<DockerEngine> {
  engine ??= startEngine();
  return engine;
}

async function stopEngine(): Promise<void> {
  const running = engine;
  engine = null;
  if (running) await (await running).stop();
}

afterAll(stopEngine, 120_000);

// Ctrl-C or a kill of the test run: dockerd stops its containers itself on SIGTERM.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    const pid = readPid(PIDFILE);
    if (pid) process.kill(pid, "SIGTERM");
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

async function startEngine(): Promise<DockerEngine> {
  await ensureDebianPackages("docker.io");
  const lock = await lockCache("docker");
  try {
    await killLeftovers();
    mkdirSync(join(RUN_DIR, "client"), { recursive: true });
    mkdirSync(DATA_ROOT, { recursive: true });
    try {
      return new DockerEngine(await startDockerd(), lock);
    } catch (error) {
      // A data root left inconsistent by a killed run must not fail every run after it: start once
      // more on an empty one (the images are made again from the cached root file systems).
      console.warn(`dockerd did not start on ${DATA_ROOT}; retrying on an empty data root:\n${(error as Error).message}`);
      await killLeftovers();
      rmSync(DATA_ROOT, { recursive: true, force: true });
      mkdirSync(DATA_ROOT, { recursive: true });
      return new DockerEngine(await startDockerd(), lock);
    }
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startDockerd(): Promise<Subprocess> {
  const log = openSync(LOG, "w");
  const dockerd = Bun.spawn([
    "dockerd", "-H", `unix://${SOCKET}`, "--data-root", DATA_ROOT, "--exec-root", EXEC_ROOT, "--pidfile", PIDFILE,
    // No bridge, no iptables rules: the engine must not change the machine's network. Containers get
    // --network=none (or host, for builds that run npm).
    "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=overlay2",
  ], { stdin: "ignore", stdout: log, stderr: log });
  closeSync(log);
  const client = { DOCKER_HOST: `unix://${SOCKET}`, DOCKER_CONFIG: join(RUN_DIR, "client") };
  try {
    await waitFor(async () => {
      if (dockerd.exitCode !== null) throw new Error(`dockerd exited with ${dockerd.exitCode}`);
      return (await exec([DOCKER, "version", "--format", "{{.Server.Version}}"], { env: client, timeoutMs: 10_000 })).exitCode === 0;
    }, `dockerd to answer on ${SOCKET}`, 60_000);
  } catch (error) {
    dockerd.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n--- ${LOG}:\n${tail(readFileSync(LOG, "utf8"))}`);
  }
  return dockerd;
}

// What a run killed with SIGKILL leaves: its dockerd, the containerd that dockerd started, the
// containers' shims, and their mounts. Each is found by our own pid files and paths, never by name.
async function killLeftovers(): Promise<void> {
  const ours = (pid: number | null): pid is number => pid !== null && isAlive(pid) && cmdline(pid).includes(RUN_DIR);
  const pids = [readPid(PIDFILE), readPid(join(EXEC_ROOT, "containerd/containerd.pid")), ...shimsOf(EXEC_ROOT)].filter(ours);
  for (const pid of pids) process.kill(pid, "SIGTERM");
  try {
    await waitFor(() => pids.every((pid) => !isAlive(pid)), `leftover dockerd/containerd processes ${pids.join(", ")} to exit`, 20_000);
  } catch {
    for (const pid of pids.filter(isAlive)) process.kill(pid, "SIGKILL");
  }
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((line) => line.split(" ")[1] ?? "")
    .filter((target) => [RUN_DIR, DATA_ROOT].some((dir) => target === dir || target.startsWith(`${dir}/`))); // dockerd bind-mounts its data root on itself
  for (const target of mounts.reverse()) await exec(["umount", "-l", target]);
  rmSync(RUN_DIR, { recursive: true, force: true });
}

// containerd-shim-runc-v2 processes whose containerd was ours (`-address EXEC_ROOT/containerd/...`).
function shimsOf(execRoot: string): number[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry)).map(Number)
    .filter((pid) => {
      const args = cmdline(pid);
      return args.includes("containerd-shim") && args.includes(execRoot);
    });
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
