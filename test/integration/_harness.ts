// Runs the compiled dist/tsvisor on real programs in temp directories. Tests wait on conditions
// (a log line, a file's content) with a deadline, never on fixed sleeps.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { waitFor } from "../infra/wait-for.ts";

export { waitFor };
export { isAlive } from "../infra/processes.ts";

// TSVISOR_BIN runs the same tests against another build (an older one, to see a regression test fail there).
export const TSVISOR = process.env.TSVISOR_BIN ? resolve(process.env.TSVISOR_BIN) : resolve(import.meta.dir, "../../dist/tsvisor");
export const FIXTURES = resolve(import.meta.dir, "../fixtures/bin");

if (!existsSync(TSVISOR)) {
  throw new Error(`${TSVISOR} is missing: integration tests run the compiled binary; run \`npm run build\` (npm test does)`);
}

/** A fixture program's path: fixture("record") -> test/fixtures/bin/record-fixture.sh */
export const fixture = (name: string) => join(FIXTURES, `${name}-fixture.sh`);

/** A fresh directory, removed by the returned disposer; 0777 so that a program run as nobody can write. */
export function tempDir(): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), "tsvisor-test-"));
  chmodSync(path, 0o777);
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for a server a test configures before it starts. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** The lines of a file, [] while it does not exist. */
export function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

/** Run a one-shot tsvisor command to completion. */
export async function runTsvisor(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const proc = Bun.spawn([TSVISOR, ...args], {
    cwd: options.cwd, env: { ...process.env, ...options.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, exitCode };
}

/** A `tsvisor run` in the background, with its own log lines collected as they arrive. */
export class Daemon implements AsyncDisposable {
  readonly log: string[] = [];
  readonly stdout: string[] = [];
  private readonly drained: Promise<unknown>;
  private constructor(
    readonly proc: Subprocess<"ignore", "pipe", "pipe">,
    readonly dir: string,
    /** The daemon's control socket: DIR/tsvisor.sock unless the test chose one. */
    readonly socket: string,
  ) {
    this.drained = Promise.all([collectLines(proc.stderr, this.log), collectLines(proc.stdout, this.stdout)]);
  }

  /**
   * Write `config` to DIR/tsvisor.toml and start `tsvisor run -c` on it; logs go to DIR/logs unless it
   * sets log_dir. Its control socket is
   * DIR/tsvisor.sock (through $TSVISOR_SOCKET), so daemons of different tests never share one.
   */
  static start(dir: string, config: string, options: { env?: Record<string, string>; args?: string[]; wrapper?: string[] } = {}): Daemon {
    const file = writeConfig(dir, config);
    const env = { TSVISOR_SOCKET: join(dir, "tsvisor.sock"), ...options.env };
    // a wrapper that execs its command (prlimit --nofile=N:N) keeps the pid: proc.pid is tsvisor's
    const proc = Bun.spawn([...(options.wrapper ?? []), TSVISOR, "run", "-c", file, ...(options.args ?? [])], {
      cwd: dir, env: { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
    });
    return new Daemon(proc, dir, env.TSVISOR_SOCKET);
  }

  /**
   * Start `tsvisor run -c DIR/FILE` on a config written as is (TOML, or any format tsvisor reads); its
   * control socket is DIR/tsvisor.sock as with start().
   */
  static startFile(dir: string, file: string, text: string, options: { env?: Record<string, string> } = {}): Daemon {
    const path = join(dir, file);
    writeFileSync(path, text);
    const env = { TSVISOR_SOCKET: join(dir, "tsvisor.sock"), ...options.env };
    const proc = Bun.spawn([TSVISOR, "run", "-c", path], { cwd: dir, env: { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    return new Daemon(proc, dir, env.TSVISOR_SOCKET);
  }

  /** Run a client command (`tsvisor status`, ...) against this daemon's socket. */
  ctl(args: string[], options: { env?: Record<string, string> } = {}) {
    return runTsvisor(args, { cwd: this.dir, env: { TSVISOR_SOCKET: this.socket, ...options.env } });
  }

  /** One process as `tsvisor status NAME --json` shows it; undefined while the daemon does not answer. */
  async status(name: string): Promise<ProcessStatus | undefined> {
    const { stdout, exitCode } = await this.ctl(["status", name, "--json"]);
    return exitCode === 0 ? (JSON.parse(stdout) as { processes: ProcessStatus[] }).processes[0] : undefined;
  }

  /** The socket answers: tsvisor has bound it and is past startup. */
  async waitForSocket(): Promise<void> {
    await waitFor(async () => (await this.ctl(["version"])).stdout.includes("daemon: tsvisor"), `the control socket ${this.socket}`);
  }

  /** The first log line matching `pattern` (waiting for it to appear). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string> {
    return waitFor(() => this.log.find((line) => pattern.test(line)), `a log line matching ${pattern}\n--- log so far:\n${this.log.join("\n")}`, timeoutMs);
  }

  /** Every log line matching `pattern`, now. */
  logLines(pattern: RegExp): string[] {
    return this.log.filter((line) => pattern.test(line));
  }

  signal(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  /** The exit code, once tsvisor has exited and its output has been read. */
  async exited(timeoutMs = 30_000): Promise<number> {
    // A tsvisor that does not exit is a failure worth its log, not a silent test-runner timeout.
    const code = await Promise.race([this.proc.exited, Bun.sleep(timeoutMs).then(() => null)]);
    if (code === null) {
      const pstree = Bun.spawnSync(["ps", "-o", "pid,ppid,pgid,stat,args", "--ppid", String(this.proc.pid)]).stdout.toString();
      throw new Error(`tsvisor (pid ${this.proc.pid}) has not exited after ${timeoutMs} ms\n--- its children:\n${pstree}--- log:\n${this.log.join("\n")}`);
    }
    await this.drained;
    return code;
  }

  // A test that failed half-way must not leave tsvisor or its programs behind.
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const stopped = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(20_000).then(() => false)]);
    if (!stopped) this.proc.kill("SIGKILL");
  }
}

// As root the default log_dir is /var/log/tsvisor: keep each test's log files in its own directory.
/** Write DIR/tsvisor.toml (log_dir = DIR/logs unless it sets one); also to change it for a reload. */
export function writeConfig(dir: string, config: string): string {
  const file = join(dir, "tsvisor.toml");
  writeFileSync(file, withLogDir(config, join(dir, "logs")));
  return file;
}

export function withLogDir(config: string, logDir: string): string {
  if (/^\s*log_dir\s*=/m.test(config)) return config;
  const line = `log_dir = ${JSON.stringify(logDir)}`;
  if (/^\[supervisor\]\s*$/m.test(config)) return config.replace(/^\[supervisor\]\s*$/m, `[supervisor]\n${line}`);
  return `${config}\n[supervisor]\n${line}\n`; // at the end, so the test's line numbers stay as written
}

export async function collectLines(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
    partial = lines.pop() ?? "";
    into.push(...lines);
  }
  if (partial) into.push(partial);
}
