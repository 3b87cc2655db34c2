// Debian's supervisorctl (and supervisord) as the reference client and server: run a verb against a
// server URL, and a supervisord of the test's own, stopped with its test.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { waitFor } from "./_harness.ts";

/** Install Debian's `supervisor` package when missing (tests call it in beforeAll). */
export function ensureSupervisor(): void {
  const installed = spawnSync(resolve(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), ["supervisor"], { stdio: "inherit" });
  if (installed.status !== 0) throw new Error("scripts/ensure-debian-packages.sh supervisor failed");
}

export interface CtlResult {
  stdout: string;
  exitCode: number;
}

/** `supervisorctl -s URL [-u U -p P] ARGS...` to completion; a config of its own so /etc/supervisor is never read. */
export async function supervisorctl(dir: string, url: string, args: string[], auth: { username: string; password: string } | null = null): Promise<CtlResult> {
  const conf = join(dir, "supervisorctl.conf");
  writeFileSync(conf, `[supervisorctl]\nserverurl = ${url}\n`);
  const credentials = auth ? ["-u", auth.username, "-p", auth.password] : [];
  const proc = Bun.spawn(["/usr/bin/python3", "/usr/bin/supervisorctl", "-c", conf, ...credentials, ...args], {
    cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout: stdout + stderr, exitCode };
}

/** A supervisord on `conf` (nodaemon), for the length of a test. */
export class Supervisord implements AsyncDisposable {
  private constructor(readonly proc: Subprocess<"ignore", "ignore", "ignore">, readonly url: string) {}

  /** Write DIR/supervisord.conf with `programs` under a unix_http_server at DIR/supervisor.sock, and start it. */
  static start(dir: string, programs: string, extra = ""): Supervisord {
    const conf = join(dir, "supervisord.conf");
    mkdirSync(join(dir, "supervisord-logs"), { recursive: true });
    writeFileSync(conf, supervisordConf(dir, programs, extra));
    const proc = Bun.spawn(["supervisord", "-n", "-c", conf], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return new Supervisord(proc, `unix://${dir}/supervisor.sock`);
  }

  /** Its socket answers supervisorctl. */
  async ready(dir: string): Promise<void> {
    await waitFor(async () => (await supervisorctl(dir, this.url, ["pid"])).exitCode === 0, "supervisord's socket to answer");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    await Promise.race([this.proc.exited, Bun.sleep(20_000).then(() => this.proc.kill("SIGKILL"))]);
  }
}

export function supervisordConf(dir: string, programs: string, extra = ""): string {
  return `[unix_http_server]
file = ${dir}/supervisor.sock
chmod = 0700
${extra}
[supervisord]
nodaemon = true
logfile = ${dir}/supervisord.log
pidfile = ${dir}/supervisord.pid
childlogdir = ${dir}/supervisord-logs

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

${programs}`;
}
