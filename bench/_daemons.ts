// A daemon of either kind, tsvisor or supervisord 4.2.5, on a fresh directory with one program
// section (numprocs of them), for the benchmarks that run the two side by side.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "..");
// TSVISOR_BIN=/path/to/tsvisor: another build (an older commit's, for before/after figures)
export const TSVISOR = process.env.TSVISOR_BIN ?? join(ROOT, "dist/tsvisor");

export type Kind = "tsvisor" | "supervisord";
export const KINDS: Kind[] = ["tsvisor", "supervisord"];

export interface ProgramSpec {
  name: string;
  command: string[];
  startsecs: number;
  count: number;
  /** tsvisor's back-off delay; leave out for its default. */
  backoffDelay?: number;
}

/** A daemon of either kind on a fresh directory; `runningCount` reads its log. */
export class Subject {
  readonly proc: Subprocess;
  readonly launchedAt: number;
  constructor(readonly kind: Kind, readonly dir: string, programs: ProgramSpec) {
    mkdirSync(join(dir, "logs"), { recursive: true });
    const argv = kind === "tsvisor" ? tsvisorArgv(dir, programs) : supervisordArgv(dir, programs);
    this.launchedAt = performance.now();
    this.proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  }

  get log(): string {
    const file = join(this.dir, "logs", this.kind === "tsvisor" ? "tsvisor.log" : "supervisord.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  runningCount(): number {
    return this.log.split("\n").filter((l) => l.includes(" entered RUNNING state")).length;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGTERM");
    const done = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(60_000).then(() => false)]);
    if (!done) this.proc.kill("SIGKILL");
    await this.proc.exited;
  }
}

function tsvisorArgv(dir: string, p: ProgramSpec): string[] {
  const config = join(dir, "tsvisor.toml");
  writeFileSync(config, `[supervisor]
log_dir = "${dir}/logs"
console = false
[programs.${p.name}]
command = ${JSON.stringify(p.command)}
startsecs = ${p.startsecs}
numprocs = ${p.count}
${p.backoffDelay === undefined ? "" : `backoff_delay = ${p.backoffDelay}`}
`);
  return [TSVISOR, "run", "-c", config, "--socket", join(dir, "tsvisor.sock")];
}

function supervisordArgv(dir: string, p: ProgramSpec): string[] {
  const config = join(dir, "supervisord.conf");
  // supervisord expands %(name)s in a command: a literal % is written %%
  const quoted = p.command.map((a) => (/^[\w./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
  writeFileSync(config, `[supervisord]
nodaemon = true
logfile = ${dir}/logs/supervisord.log
pidfile = ${dir}/supervisord.pid
childlogdir = ${dir}/logs
user = root
[unix_http_server]
file = ${dir}/supervisor.sock
[supervisorctl]
serverurl = unix://${dir}/supervisor.sock
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:${p.name}]
command = ${quoted.replace(/%/g, "%%")}
startsecs = ${p.startsecs}
numprocs = ${p.count}
process_name = %(program_name)s-%(process_num)d
`);
  return ["supervisord", "-c", config];
}

export async function waitUntil<T>(probe: () => T | undefined | false, what: string, timeoutMs = 120_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

export async function withSubject<T>(kind: Kind, programs: ProgramSpec, body: (s: Subject) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-bench-"));
  const subject = new Subject(kind, dir, programs);
  try {
    return await body(subject);
  } finally {
    await subject.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

