// dist/tsvisor as PID 1 of a fresh PID namespace: `unshare --pid --fork --mount-proc dist/tsvisor ...`.
// Tests that need it fail (never skip) where unshare cannot make a namespace: they are the proof that
// tsvisor does PID 1's job, and CI runs as root. The test process stays outside the namespace and sees
// tsvisor and its descendants under their outer pids.
import { spawnSync } from "bun";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { TSVISOR, collectLines, waitFor, writeConfig } from "./_harness.ts";

const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"];

// What these tests run besides tsvisor: unshare (util-linux), script (bsdutils), perl (perl-base).
// All are in a Debian base system; installed here should a machine lack one (CI starts clean).
const PACKAGES = ["util-linux", "bsdutils", "perl-base"];
const ENSURE_PACKAGES = join(import.meta.dir, "../../scripts/ensure-debian-packages.sh");

let checked: string | null | undefined;
// Throws with the reason and the fix when this machine cannot make a PID namespace.
export function requirePidNamespace(): void {
  if (checked === undefined) {
    const install = spawnSync([ENSURE_PACKAGES, ...PACKAGES], { stderr: "pipe" });
    if (install.exitCode !== 0) throw new Error(`${ENSURE_PACKAGES} ${PACKAGES.join(" ")} failed: ${install.stderr.toString().trim()}`);
    const probe = spawnSync([...UNSHARE, "true"], { stderr: "pipe" });
    checked = probe.exitCode === 0 ? null : `\`${UNSHARE.join(" ")} true\` failed (exit ${probe.exitCode}): ${probe.stderr.toString().trim()}`;
  }
  if (checked !== null) {
    throw new Error(`${checked}\nPID 1 tests need a real PID namespace: run them as root with util-linux's unshare (CI does).`);
  }
}

/** A tsvisor that is PID 1 in its own namespace, its stdout and stderr collected line by line. */
export class Pid1 implements AsyncDisposable {
  readonly log: string[] = [];
  readonly stdout: string[] = [];
  private readonly drained: Promise<unknown>;
  private innerPid: number | null = null;

  private constructor(readonly proc: Subprocess<"pipe" | "ignore", "pipe", "pipe">) {
    this.drained = Promise.all([collectLines(proc.stderr, this.log), collectLines(proc.stdout, this.stdout)]);
  }

  /** `tsvisor ARGS` as PID 1; stdin is /dev/null unless `stdin` is "pipe". */
  static start(args: string[], options: { cwd?: string; env?: Record<string, string>; stdin?: "pipe" | "ignore" } = {}): Pid1 {
    requirePidNamespace();
    const proc = Bun.spawn([...UNSHARE, TSVISOR, ...args], {
      cwd: options.cwd, env: { ...process.env, ...options.env }, stdin: options.stdin ?? "ignore", stdout: "pipe", stderr: "pipe",
    });
    return new Pid1(proc);
  }

  /**
   * `tsvisor run -c DIR/tsvisor.toml` as PID 1, the config written first. As with Daemon.start, its
   * socket and log files stay in DIR: namespaces share the host's /run and /var/log.
   */
  static run(dir: string, config: string, options: { env?: Record<string, string> } = {}): Pid1 {
    const file = writeConfig(dir, config);
    return Pid1.start(["run", "-c", file], { cwd: dir, env: { TSVISOR_SOCKET: join(dir, "tsvisor.sock"), ...options.env } });
  }

  /** tsvisor's pid as seen from outside the namespace (unshare's only child). */
  async pid(): Promise<number> {
    this.innerPid ??= await waitFor(() => childrenOf(this.proc.pid)[0], "tsvisor to start inside the namespace");
    return this.innerPid;
  }

  /** Send a signal to tsvisor, from outside the namespace as `docker kill -s` does. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    process.kill(await this.pid(), signal);
  }

  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string> {
    return waitFor(() => this.log.find((line) => pattern.test(line)), `a log line matching ${pattern}\n--- log so far:\n${this.log.join("\n")}`, timeoutMs);
  }

  logLines(pattern: RegExp): string[] {
    return this.log.filter((line) => pattern.test(line));
  }

  /** tsvisor's exit code (unshare exits with it), once its output has been read. */
  async exited(): Promise<number> {
    const code = await this.proc.exited;
    await this.drained;
    return code;
  }

  /** Every process in the namespace but tsvisor: its descendants, with their outer pids. */
  async processes(): Promise<{ pid: number; ppid: number; state: string; comm: string }[]> {
    return descendantsOf(await this.pid());
  }

  /** The outer pid of a process in the namespace, from the pid it has inside (the NSpid line of its status). */
  async outerPid(innerPid: number): Promise<number> {
    return waitFor(async () => (await this.processes()).find((p) => nsPid(p.pid) === innerPid)?.pid, `pid ${innerPid} of the namespace`);
  }

  // A test that failed half-way must not leave a namespace behind: killing its PID 1 kills all in it.
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const inner = childrenOf(this.proc.pid)[0];
    if (inner !== undefined) process.kill(inner, "SIGKILL");
    this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

// Children of `pid` from its main thread's children file (unshare is single-threaded).
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// All processes below `root` in the process tree, from one pass over /proc.
export function descendantsOf(root: number): { pid: number; ppid: number; state: string; comm: string }[] {
  const all: { pid: number; ppid: number; state: string; comm: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const [state = "?", ppid = "0"] = stat.slice(close + 2).split(" ");
      all.push({ pid: Number(entry), ppid: Number(ppid), state, comm: stat.slice(stat.indexOf("(") + 1, close) });
    } catch {
      // gone while we looked
    }
  }
  const below = new Set([root]);
  const result: typeof all = [];
  // parents come before children in pid order only mostly (pids wrap), so repeat until nothing is added
  for (let added = true; added; ) {
    added = false;
    for (const p of all) {
      if (!below.has(p.pid) && below.has(p.ppid)) {
        below.add(p.pid);
        result.push(p);
        added = true;
      }
    }
  }
  return result;
}


// "NSpid:\t17230\t5" -> 5: the pid a process has in its own (innermost) namespace.
function nsPid(pid: number): number | null {
  try {
    const line = /^NSpid:\s*(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return line ? Number(line.trim().split(/\s+/).pop()) : null;
  } catch {
    return null;
  }
}
