// Start one child: its own session and process group (so the group can be signalled as a whole),
// stdin from /dev/null, credentials, umask, cwd and env as asked. Knows nothing about programs.
import { closeSync, statSync } from "node:fs";
import { RAISE_FD_LIMIT, TsvisorError } from "../errors.ts";
import { FD_RESERVE, fdShortageFor } from "./fd-budget.ts";
import { describeCommandProblem, resolveCommand } from "./command-check.ts";
import { type ParentDeathLaunch, withParentDeathSignal } from "./parent-death.ts";
import { sealedForegroundExec } from "./foreground-exec.ts";
import { type MemfdProgram, stillThere } from "./memfd-program.ts";
import { type ExecSizes, NativeSpawnFailure, startFailureOf, nativeSpawnRuns, spawnNative } from "./native-spawn.ts";
import { sealedPdeathsigExec } from "./pdeathsig-exec.ts";
import { openPipe } from "./pipe.ts";
import { markExited, markSpawned, readyToWaitForChildren, waitForChild } from "./reaper.ts";
import { signalName } from "./signals.ts";
import type { Credentials } from "./users.ts";

export interface SpawnRequest {
  argv: string[];
  /** Working directory; null keeps tsvisor's. */
  cwd: string | null;
  /** The complete environment of the child. */
  env: Record<string, string>;
  /** Who the child runs as (its user's groups too); null: tsvisor's own user. */
  credentials: Credentials | null;
  /** null inherits tsvisor's umask. */
  umask: number | null;
  /** Where the child's stdout and stderr go: tsvisor's own, pipes read by the caller, or /dev/null. */
  output: "inherit" | "pipe" | "ignore";
  /** With output "pipe": stderr into the stdout pipe (2>&1), so the two keep their order. */
  mergeStderr?: boolean;
  /**
   * The child's stdin: /dev/null (default), tsvisor's own (init mode: CMD may read the terminal), or
   * bytes written to it and then closed (an event hook's JSON).
   */
  stdin?: "ignore" | "inherit" | Uint8Array;
  /** A new session and process group (default); false keeps tsvisor's (init mode's helper makes its own group). */
  newSession?: boolean;
  /**
   * Descriptors of tsvisor's that the child gets under the same numbers (init mode: what tsvisor
   * inherited, os/inherited-fds.ts). Bun.spawn closes every other descriptor above 2 in the child.
   */
  passFds?: readonly number[];
  /**
   * Through the foreground exec (os/foreground-exec.ts): the child leads a process group of its own,
   * in the terminal's foreground when tsvisor's group was, with every signal at its default and
   * passFds kept. Only where foregroundExecRuns(); with no credentials (init mode's CMD).
   */
  foreground?: boolean;
  /**
   * Called once when the child has ended: an exit code, or a signal name without "SIG"; and why, when
   * the command's exec failed after the spawn had returned (exit code 126, or 127 for a missing file).
   */
  onExit: (code: number | null, signal: string | null, execFailure?: string) => void;
}

/** A spawn that failed: a TsvisorError("SPAWN_FAILED") that also keeps the system's error code. */
export class SpawnError extends TsvisorError {
  constructor(message: string, /** "ENOENT", "EACCES", ... when the system gave one. */ readonly errno: string | undefined) {
    super("SPAWN_FAILED", message);
  }
}

export interface Child {
  pid: number;
  /** The read end (non-blocking) of the stdout pipe, for the caller to read and close; null with "inherit". */
  stdout: number | null;
  /** The read end of the stderr pipe; null with "inherit" or mergeStderr. */
  stderr: number | null;
}

// Spawn or throw a TsvisorError("SPAWN_FAILED") whose message says why in words.
export function spawnChild(req: SpawnRequest): Child {
  assertFdsLeft();
  if (req.cwd !== null) assertDirectory(req.cwd);
  const out = req.output === "pipe" ? openPipe() : null;
  const err = req.output === "pipe" && !req.mergeStderr ? openPipe() : null;
  if (startsNatively(req)) return spawnNativeChild(req, out, err);
  // Bun.spawn has no umask option; the child inherits the umask at fork time and the JS thread does
  // nothing else between these lines, so set it around the spawn and put it back at once.
  const previousUmask = req.umask === null ? null : process.umask(req.umask);
  // Set once Bun.spawn has returned and the pid is marked; an onExit before that (should Bun ever call
  // it synchronously) must not leave a mark behind that nothing would remove.
  let marked = false;
  // Bun keeps the onExit below for as long as the child runs: it takes the caller's callback alone, not
  // `req`, whose environment (a copy of tsvisor's) would be kept with it for every program.
  const exited = req.onExit;
  const tried = { argv: req.argv };
  try {
    const launch = launchWithParentDeathSignal(req, tried);
    const stdin = req.stdin ?? "ignore";
    const stdout = out?.write ?? (req.output === "ignore" ? "ignore" : "inherit");
    const stderr = err?.write ?? out?.write ?? (req.output === "ignore" ? "ignore" : "inherit");
    // the parent-death exec closes every descriptor but 0-2; the foreground exec only its own
    const passFds = launch.passFd === null ? req.passFds ?? [] : [launch.passFd, ...(req.foreground ? req.passFds ?? [] : [])];
    const child = Bun.spawn(launch.argv, {
      cwd: req.cwd ?? undefined,
      env: req.env,
      stdin, stdout, stderr,
      ...(passFds.length ? { stdio: [stdin, stdout, stderr, ...descriptorSlots(passFds)] } : {}),
      detached: req.newSession ?? true, // setsid(): own session and process group, pgid = pid
      // Bun takes ids as signed 32-bit numbers: `| 0` passes 2^31 .. 2^32-2 as the same uid_t bits.
      // Through the parent-death exec the helper switches (with the user's groups); then none here.
      uid: launch.bunIds === null ? undefined : launch.bunIds.uid | 0,
      gid: launch.bunIds === null ? undefined : launch.bunIds.gid | 0,
      onExit: (proc, exitCode, signalCode) => {
        if (marked) markExited(proc.pid); // Bun has reaped it: the reaper may take that pid again
        marked = false;
        exited(exitCode ?? null, signalCode ? String(signalCode).replace(/^SIG/, "") : null);
      },
    });
    // Before any other JS runs, so the reaper never waits for a child Bun waits for (os/reaper.ts).
    if (child.exitCode === null && child.signalCode === null) {
      markSpawned(child.pid);
      marked = true;
    }
    return { pid: child.pid, stdout: out?.read ?? null, stderr: err?.read ?? null };
  } catch (error) {
    for (const pipe of [out, err]) if (pipe) closeSync(pipe.read);
    throw new SpawnError(describeSpawnError(req, error, tried.argv), (error as { code?: string }).code);
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
    // The child has its copies; tsvisor keeping a write end open would keep the pipe from ever ending.
    for (const pipe of [out, err]) if (pipe) closeSync(pipe.write);
  }
}

// A program's start (stdin /dev/null, no descriptors passed, no foreground) in one exec where
// os/native-spawn.ts runs; everything else goes through Bun.spawn.
function startsNatively(req: SpawnRequest): boolean {
  return (req.stdin ?? "ignore") === "ignore" && !req.passFds?.length && !req.foreground && nativeSpawnRuns();
}

type Pipe = { read: number; write: number } | null;

function spawnNativeChild(req: SpawnRequest, out: Pipe, err: Pipe): Child {
  const exited = req.onExit; // as in spawnChild: the waiter keeps the callback, not `req`
  try {
    const found = resolveCommand(req.argv[0] ?? "", req.env, req.cwd, req.credentials);
    if ("code" in found) throw found;
    const output = (pipe: Pipe) => pipe?.write ?? (req.output === "ignore" ? "ignore" : "inherit");
    readyToWaitForChildren();
    const pid = spawnNative({
      path: found.path, argv: req.argv, env: req.env, cwd: req.cwd, credentials: req.credentials, umask: req.umask,
      stdout: output(out), stderr: output(err ?? out), newSession: req.newSession ?? true,
    });
    // what a failure's words need, not `req` and its environment
    const named = { argv: [req.argv[0] ?? ""], env: {}, cwd: req.cwd, credentials: req.credentials };
    waitForChild(pid, (status) => {
      const failure = startFailureOf(pid);
      if (failure !== null) exited(status.kind === "exited" ? status.code : null, null, describeNativeFailure(named, failure));
      else if (status.kind === "exited") exited(status.code, null);
      else if (status.kind === "signaled") exited(null, signalName(status.signal));
    });
    return { pid, stdout: out?.read ?? null, stderr: err?.read ?? null };
  } catch (error) {
    for (const pipe of [out, err]) if (pipe) closeSync(pipe.read);
    throw new SpawnError(describeNativeFailure(req, error), (error as { code?: string }).code);
  } finally {
    for (const pipe of [out, err]) if (pipe) closeSync(pipe.write);
  }
}

// The command was there when checked: a missing file at its exec is what it needs to start (a #!
// interpreter the check could not look at for the program's user, or an ELF loader), not named.
function describeLateExecFailure(command: string, credentials: Credentials | null, failure: NativeSpawnFailure): string {
  if (failure.code !== "ENOENT") return describeSpawnError({ argv: [command], env: {}, credentials }, failure, [command]);
  return `can't start ${JSON.stringify(command)}: its exec found no file it needs (ENOENT: its #! interpreter or its ELF loader${credentials === null ? "" : `, as uid ${credentials.uid} sees them`})`;
}

// A start of os/native-spawn.ts's that failed, in words: in tsvisor (the fork; E2BIG, found before
// the child), or in the child, told when it has ended (a step before the exec, or the exec).
function describeNativeFailure(req: Pick<SpawnRequest, "argv" | "env" | "cwd" | "credentials">, error: unknown): string {
  if (error instanceof NativeSpawnFailure && error.stage === "exec" && error.code !== "E2BIG") return describeLateExecFailure(req.argv[0] ?? "", req.credentials, error);
  if (!(error instanceof NativeSpawnFailure) || error.stage === "exec") return describeSpawnError(req, error, req.argv);
  const command = JSON.stringify(req.argv[0] ?? "");
  const user = req.credentials;
  switch (error.stage) {
    case "fork": return `can't start ${command}: fork failed (${error.code}${error.code === "EAGAIN" ? ": too many processes for this user, ulimit -u" : ""})`;
    case "directory": return `can't start ${command}: can't change to directory ${JSON.stringify(req.cwd)} (${error.code})`;
    case "groups": case "gid": case "uid":
      if (error.stage === "groups" && error.code === "EINVAL") return `can't start ${command}: uid ${user?.uid} is in ${(user?.groups?.length ?? 0).toLocaleString("en-US")} groups, more than Linux lets a process have (65,536; /etc/group)`;
      return `can't start ${command}: can't switch to uid ${user?.uid} gid ${user?.gid} (${error.stage}: ${error.code}${error.code === "EPERM" ? "; tsvisor must run as root to start programs as another user" : ""})`;
    default: return `can't start ${command}: ${error.message}`;
  }
}

/** A child that talks on its stdin and stdout (a supervisord event listener): Bun's streams, not raw fds. */
export interface ConversingChild {
  pid: number;
  stdin: import("bun").FileSink;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
  kill(signal: string): void;
}

// Spawn with all three streams piped, in its own session and with the parent-death signal like
// spawnChild; throws TsvisorError("SPAWN_FAILED").
export function spawnConversing(argv: string[], env: Record<string, string>): ConversingChild {
  assertFdsLeft();
  const tried = { argv };
  try {
    const launch = launchWithParentDeathSignal({ argv, env, cwd: null, credentials: null }, tried);
    const passFds = launch.passFd === null ? [] : [launch.passFd];
    const child = Bun.spawn(launch.argv, {
      env, stdio: ["pipe", "pipe", "pipe", ...(passFds.length ? descriptorSlots(passFds) : [])], detached: true,
      onExit: (proc) => markExited(proc.pid), // Bun has reaped it: the reaper may take that pid again
    });
    // As in spawnChild: marked before any other JS runs, so the reaper never takes Bun's exit status.
    if (child.exitCode === null && child.signalCode === null) markSpawned(child.pid);
    return {
      pid: child.pid, stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exited: child.exited,
      kill: (signal) => child.kill(`SIG${signal}` as NodeJS.Signals),
    };
  } catch (error) {
    throw new TsvisorError("SPAWN_FAILED", describeSpawnError({ argv, env, credentials: null }, error, tried.argv));
  }
}

// What to spawn so that the command gets tsvisor's parent-death signal (os/parent-death.ts). Under
// the wrapper a missing or unrunnable command would fail in the wrapper, as exit status 127 or 126;
// with `user =` too. Find it out here, as the program's user; throws what resolveCommand found.
// The check uses the groups the program will have: without the parent-death exec, Bun.spawn switches
// and the program keeps its primary group only. `tried` gets the argv for an E2BIG message.
function launchWithParentDeathSignal(req: Pick<SpawnRequest, "argv" | "env" | "cwd" | "credentials" | "passFds" | "foreground">, tried: { argv: string[] }): ParentDeathLaunch {
  const foreground = req.foreground ? foregroundExec.fd() : null;
  if (req.foreground && (foreground === null || req.credentials !== null)) throw new Error("spawnChild: foreground without the foreground exec, or with credentials"); // a bug: callers ask foregroundExecRuns()
  const helper = req.passFds?.length || foreground !== null ? null : parentDeathExec.fd();
  const user = req.credentials;
  const willHave = helper === null && user !== null ? { uid: user.uid, gid: user.gid, groups: [user.gid] } : user;
  const found = resolveCommand(req.argv[0] ?? "", req.env, req.cwd, willHave);
  if ("code" in found) throw found;
  // the foreground exec sets the parent-death signal too
  const launch = foreground !== null
    ? { argv: [`/proc/self/fd/${foreground}`, String(foreground), found.path, ...req.argv], passFd: foreground, bunIds: null }
    : withParentDeathSignal(req.argv, found.path, helper, user);
  tried.argv = launch.argv;
  return launch;
}

/** Can a child be spawned with `foreground` here (x86-64, memfds that run)? Tried once, on first use. */
export function foregroundExecRuns(): boolean {
  return foregroundExec.fd() !== null;
}

// A program of os/memfd-program.ts, made on first use and kept if it runs here: started once as every
// spawn will start it (`selfTest` its arguments after its path, its own descriptor given), it must exec
// from the memfd and exit 0. Its fd is null: the slower way, for good once the descriptor is found to be
// something else. spawnSync holds the JS thread until Bun has reaped the test, so no reaper pass can
// meet it (os/reaper.ts).
class MemfdHelper {
  private program: MemfdProgram | null | undefined;
  constructor(private readonly make: () => MemfdProgram | null, private readonly selfTest: (fd: number) => string[]) {}

  fd(): number | null {
    if (this.program === undefined) {
      const program = this.make();
      const runs = program !== null && runsToExitZero([`/proc/self/fd/${program.fd}`, ...this.selfTest(program.fd)], [program.fd]);
      if (program !== null && !runs) closeSync(program.fd);
      this.program = runs ? program : null;
    }
    if (this.program !== null && !stillThere(this.program)) this.program = null;
    return this.program?.fd ?? null;
  }
}
// os/pdeathsig-exec.ts: every program's start; null: setpriv's way (os/parent-death.ts)
const parentDeathExec = new MemfdHelper(sealedPdeathsigExec, () => []);
// os/foreground-exec.ts: init mode's CMD, on a terminal and off; null: os/foreground-child.ts's other ways
const foregroundExec = new MemfdHelper(sealedForegroundExec, (fd) => [String(fd)]);

// Bun.spawnSync throws where the exec itself fails (a security module refusing a memfd, EACCES).
function runsToExitZero(argv: string[], passFds: readonly number[]): boolean {
  try {
    return Bun.spawnSync(argv, { stdio: ["ignore", "ignore", "ignore", ...descriptorSlots(passFds)] }).exitCode === 0;
  } catch {
    return false;
  }
}

// A child's pipes and log files must not take the descriptors tsvisor keeps for answering (os/fd-budget.ts).
function assertFdsLeft(): void {
  const shortage = fdShortageFor("spawn");
  if (shortage === null) return;
  const { open, limit } = shortage;
  throw new SpawnError(`too few file descriptors left: ${open} of ${limit} are open, and tsvisor keeps the last ${FD_RESERVE.spawn} to answer status and check (${RAISE_FD_LIMIT})`, "EMFILE");
}

// stdio entries from fd 3 up: the fd itself where one is passed, null (left closed) in the gaps.
function descriptorSlots(fds: readonly number[]): (number | null)[] {
  const slots: (number | null)[] = new Array(Math.max(...fds) - 2).fill(null);
  for (const fd of fds) slots[fd - 3] = fd;
  return slots;
}

// Bun reports a missing cwd as ENOENT on the command itself; check it first so the message is right.
function assertDirectory(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new TsvisorError("SPAWN_FAILED", `directory ${JSON.stringify(dir)} does not exist`);
  }
  if (!isDir) throw new TsvisorError("SPAWN_FAILED", `directory ${JSON.stringify(dir)} is not a directory`);
}

// `launched`: what was handed to exec (the arguments of the wrapper that starts it too), for E2BIG's
// sizes where the error does not carry them (os/native-spawn.ts's do).
function describeSpawnError(req: Pick<SpawnRequest, "argv" | "env" | "credentials">, error: unknown, launched: string[]): string {
  const command = req.argv[0] ?? "";
  const code = (error as { code?: string }).code;
  if (code === "ENOENT" || code === "EISDIR" || code === "EACCES" || code === "ENOEXEC") return describeCommandProblem(command, code, req.credentials, (error as { interpreter?: string }).interpreter);
  if (code === "ETXTBSY") return `can't start ${JSON.stringify(command)}: its file is open for writing (ETXTBSY: still being copied or built?)`;
  // Bun's own text names what it executed, the parent-death exec's /proc/self/fd path: say what is too long
  if (code === "E2BIG") {
    const sizes = (error as { sizes?: ExecSizes }).sizes ?? execSizes(launched, req.env);
    return `can't start ${JSON.stringify(command)}: ${tooLong(sizes, launched.length - req.argv.length)}`;
  }
  return `can't start ${JSON.stringify(command)}: ${(error as Error).message ?? String(error)}`;
}

function execSizes(argv: readonly string[], env: Record<string, string>): ExecSizes {
  const strings = [...argv, ...Object.entries(env).map(([name, value]) => `${name}=${value}`)];
  const bytes = strings.map((text) => Buffer.byteLength(text) + 1);
  return { bytes: bytes.reduce((sum, n) => sum + n, 0), arguments: argv.length, variables: strings.length - argv.length, longest: Math.max(...bytes) - 1 };
}

// E2BIG in words: the kernel takes at most a quarter of the stack limit (ulimit -s) of arguments and
// environment together, and 128 KiB in any one of them (MAX_ARG_STRLEN).
function tooLong(sizes: ExecSizes, wrapperArguments: number): string {
  const count = (n: number) => n.toLocaleString("en-US");
  return `its arguments and environment are too long for the kernel (E2BIG): ${count(sizes.bytes)} bytes in ${count(sizes.arguments)} arguments${wrapperArguments > 0 ? ` (${wrapperArguments} of them added by tsvisor to start it)` : ""} and ${count(sizes.variables)} variables, the longest ${count(sizes.longest)} bytes; Linux takes at most a quarter of the stack size limit (ulimit -s) in all and 131,072 bytes in one`;
}
