// A program started by native-spawn.c: one clone, one exec of the program itself, which tsvisor does
// not wait for, where Bun.spawn needed a second exec (the parent-death exec's) for what Bun cannot do
// between fork and exec, and waited for it. Compiled on first use and tried once (a start that must
// fail at the exec: "/" is a directory); where that cannot be done (no TinyCC, TSVISOR_NO_NATIVE=1,
// not x86-64, a kernel without close_range; TSVISOR_NO_NATIVE_SPAWN=1 too) os/spawn.ts keeps Bun.spawn's way. The child is
// tsvisor's own to reap (os/reaper.ts waitForChild).
import { type Library, type Pointer, ptr } from "bun:ffi";
import { RLIMIT_STACK, errnoName, libc } from "./libc.ts";
import { compileC } from "./tiny-cc.ts";
import type { Credentials } from "./users.ts";
import source from "./native-spawn.c" with { type: "text" };

const SYMBOLS = {
  spawn_program: { args: ["ptr", "ptr", "ptr", "ptr", "ptr", "ptr", "ptr", "ptr"], returns: "i32" },
  spawn_settle: { args: [], returns: "void" },
  spawn_finished: { args: ["ptr", "ptr"], returns: "i32" },
  spawn_release: { args: ["ptr"], returns: "void" },
} as const;
const LIBC = ["clone", "syscall", "mmap", "munmap", "open", "dup3", "close", "fcntl", "__errno_location"];

// native-spawn.c's enum stage, in its order.
const STAGES = ["started", "unshared", "fork", "session", "stdin", "stdout", "stderr", "directory", "groups", "gid", "uid", "parent-death", "parent-gone", "descriptors", "signals", "exec", "executing"] as const;
// Where a child that ended is when none of its steps failed: killed on its way, or the program ran.
const NO_FAILURE: ReadonlySet<SpawnStage> = new Set(["started", "unshared", "executing"]);
export type SpawnStage = (typeof STAGES)[number];

/** What exec was handed, in the kernel's terms: for an E2BIG's message (os/spawn.ts). */
export interface ExecSizes {
  /** Every argument and variable with its NUL. */
  bytes: number;
  arguments: number;
  variables: number;
  /** The longest one, without its NUL. */
  longest: number;
}

/** A start that failed in the child (or at the fork): where, and the system's error code ("EACCES"). */
export class NativeSpawnFailure extends Error {
  constructor(readonly stage: SpawnStage, readonly code: string, readonly sizes: ExecSizes) {
    super(`${stage} failed: ${code}`);
  }
}

/** What the child gets as stdout or stderr: a descriptor of tsvisor's, tsvisor's own, or /dev/null. */
export type OutputTarget = number | "inherit" | "ignore";

export interface NativeSpawnRequest {
  /** The file to execute, found as execvp would (os/command-check.ts): no PATH search here. */
  path: string;
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string | null;
  credentials: Credentials | null;
  umask: number | null;
  stdout: OutputTarget;
  stderr: OutputTarget;
  newSession: boolean;
}

let library: Library<typeof SYMBOLS> | null | undefined;

/** Can programs be started this way here? Compiled and tried on first call, then remembered. */
export function nativeSpawnRuns(): boolean {
  if (library === undefined && process.env.TSVISOR_NO_NATIVE_SPAWN) library = null; // Bun.spawn's way, for tests
  if (library === undefined) {
    const compiled = process.arch === "x64" ? compileC("native-spawn.c", source, SYMBOLS, LIBC) : null;
    library = compiled !== null && failsAtExecOnly(compiled) ? compiled : null;
  }
  return library !== null;
}

// Every step before the exec must work here, and the exec's failure come back: "/" is a directory.
function failsAtExecOnly(compiled: Library<typeof SYMBOLS>): boolean {
  let pid: number;
  try {
    pid = start(compiled, { path: "/", argv: ["/"], env: {}, cwd: null, credentials: null, umask: null, stdout: "ignore", stderr: "ignore", newSession: true });
  } catch {
    return false;
  }
  // Before any other JavaScript runs, so that no reaper pass can take it (os/reaper.ts): it ends at once.
  libc().waitpid(pid, new Int32Array(1), 0);
  const failure = startFailureOf(pid, compiled);
  return failure?.stage === "exec" && failure.code === "EACCES";
}

/**
 * Start a program: its pid as soon as the child is made, for os/reaper.ts's waitForChild to be called
 * on before any other JavaScript runs; its steps and its exec go on meanwhile, and how they went is
 * told by startFailureOf once the child has ended. Throws NativeSpawnFailure for what fails in tsvisor
 * (the fork, the descriptors for the child's output). Only after nativeSpawnRuns().
 */
export function spawnNative(req: NativeSpawnRequest): number {
  releaseFinished();
  const pid = start(library!, req);
  if (releaseTimer === undefined || releaseCheckMs > RELEASE_CHECK_MS) {
    clearTimeout(releaseTimer); // a check further off, after a held child's: this child's comes sooner
    releaseCheckMs = RELEASE_CHECK_MS;
    releaseTimer = setTimeout(releaseFinishedLater, releaseCheckMs).unref();
  }
  return pid;
}

/**
 * Called when `pid` has ended: the step before the program ran that failed ("directory", "uid"; "exec"
 * for the exec itself) with the system's code ("ENOENT", "ETXTBSY"), or null if none did (the program
 * ran, or the child was killed on its way). A failing step exits 127, a failing exec 127 or 126, as a
 * shell's does; this says why.
 */
export function startFailureOf(pid: number, compiled = library!): NativeSpawnFailure | null {
  const child = started.get(pid);
  const report = new Int32Array(2);
  // an ended child has let go of its block (the kernel cleared its tid as it exited)
  if (child === undefined || compiled.symbols.spawn_finished(child.block, ptr(report)) === 0) return null;
  started.delete(pid);
  compiled.symbols.spawn_release(child.block);
  const stage = STAGES[report[0]!] ?? "started";
  return NO_FAILURE.has(stage) ? null : new NativeSpawnFailure(stage, errnoName(report[1]!), child.sizes);
}

// Each started child's block (native-spawn.c), until its exec has let go of it (or it has ended).
// Checked at each spawn, and while there are any RELEASE_CHECK_MS after the last spawn, then twice as
// long after each check, up to RELEASE_CHECK_MAX_MS: a child held before its exec (SIGSTOP from its own
// user, once it has switched) would otherwise wake tsvisor 20 times a second for as long as it is held.
// A child has its own descriptors microseconds after the clone, so the first check frees its pair.
const started = new Map<number, { block: Pointer; sizes: ExecSizes }>();
const RELEASE_CHECK_MS = 50;
const RELEASE_CHECK_MAX_MS = 3_200;
let releaseCheckMs = RELEASE_CHECK_MS;
let releaseTimer: Timer | undefined;

// Blocks of execs that are done give their memory back; a failed start's stays for startFailureOf.
function releaseFinished(): void {
  const report = new Int32Array(2);
  for (const [pid, { block }] of started) {
    if (library!.symbols.spawn_finished(block, ptr(report)) === 0 || STAGES[report[0]!] !== "executing") continue;
    library!.symbols.spawn_release(block);
    started.delete(pid);
  }
}

// Between spawns, children that have their own descriptors also free the pair that carried their
// output (native-spawn.c; a spawn does that itself, as it takes a pair).
function releaseFinishedLater(): void {
  library!.symbols.spawn_settle();
  releaseFinished();
  releaseCheckMs = Math.min(releaseCheckMs * 2, RELEASE_CHECK_MAX_MS);
  releaseTimer = started.size === 0 ? undefined : setTimeout(releaseFinishedLater, releaseCheckMs).unref();
}

// One spawn's strings and numbers go to C in one buffer of bytes and one of integers, made per spawn:
// at 1,000 programs a Buffer per string (some 50 each) left 2-3 MiB more RssAnon behind than Bun.spawn.
function start(compiled: Library<typeof SYMBOLS>, req: NativeSpawnRequest): number {
  const env = Object.entries(req.env).map(([name, value]) => `${name}=${value}`);
  const strings = [req.path, req.cwd ?? "", ...req.argv, ...env];
  let room = 0;
  for (const text of strings) room += text.length * 3 + 1; // UTF-16 units to UTF-8 bytes: at most 3 each
  const text = Buffer.allocUnsafe(room);
  const offsets = new Array<number>(strings.length);
  let at = 0;
  strings.forEach((s, i) => {
    offsets[i] = at;
    at += text.write(s, at);
    text[at++] = 0;
  });
  const base = ptr(text);
  // argv's pointers, NULL, envp's pointers, NULL (char *const [] each)
  const argc = req.argv.length;
  const vectors = new BigUint64Array(argc + env.length + 2);
  for (let i = 0; i < argc; i++) vectors[i] = BigInt(base + offsets[2 + i]!);
  for (let i = 0; i < env.length; i++) vectors[argc + 1 + i] = BigInt(base + offsets[2 + argc + i]!);
  const user = req.credentials;
  const groups = user?.groups ?? (user ? [user.gid] : []);
  // struct request of native-spawn.c field by field (ids as their uid_t bits: `| 0`, past 2^31 too),
  // then report[2], then the block's address (2 x 32 bits), then the groups
  const ints = new Int32Array(REQUEST_INTS + 4 + groups.length);
  ints.set([target(req.stdout), target(req.stderr), req.newSession ? 1 : 0, req.umask ?? -1,
    user === null ? 0 : 1, (user?.uid ?? 0) | 0, (user?.gid ?? 0) | 0, process.pid, groups.length]);
  groups.forEach((gid, i) => (ints[REQUEST_INTS + 4 + i] = gid | 0));
  const at32 = (index: number) => ptr(ints, index * 4);
  // What the exec would refuse is refused here, before any child: the exec's own failure would come
  // only after the spawn had returned, as an exit (and with startsecs = 0 the program would be
  // started again and again rather than go FATAL).
  const sizes = sizesOf(offsets, at, argc);
  if (groups.length > NGROUPS_MAX) throw new NativeSpawnFailure("groups", "EINVAL", sizes);
  if (execRefuses(sizes, offsets[1]! - offsets[0]!)) throw new NativeSpawnFailure("exec", "E2BIG", sizes);
  // The C side copies all it needs into the child's own block before the clone.
  const pid = compiled.symbols.spawn_program(base, ptr(vectors), ptr(vectors, (argc + 1) * 8), at32(0), at32(REQUEST_INTS + 4),
    req.cwd === null ? null : ((base + offsets[1]!) as Pointer), at32(REQUEST_INTS), at32(REQUEST_INTS + 2));
  // Only addresses went to C: what they point into stays referenced until the call has returned.
  held = [text, vectors, ints];
  held = null;
  const report = ints.subarray(REQUEST_INTS, REQUEST_INTS + 2);
  if (pid <= 0) throw new NativeSpawnFailure(STAGES[report[0]!] ?? "started", errnoName(report[1]!), sizes);
  const block = new DataView(ints.buffer).getBigUint64((REQUEST_INTS + 2) * 4, true);
  started.set(pid, { block: Number(block) as Pointer, sizes });
  return pid;
}
const REQUEST_INTS = 9; // struct request's fields
let held: unknown = null;

const NGROUPS_MAX = 65_536; // the kernel's: setgroups refuses more
const MAX_ARG_STRLEN = 131_072; // the kernel's, for one argument or variable with its NUL
const STACK_LIM_FOR_EXEC = (8 * 1024 * 1024 / 4) * 3; // _STK_LIM / 4 * 3
const ARG_MAX = 32 * 4096;

// E2BIG as fs/exec.c decides it (bprm_stack_limits, copy_strings): each string at most
// MAX_ARG_STRLEN; all of them, the file name copied too, within a quarter of the stack limit (at most
// 6 MiB, at least 128 KiB) less a pointer for each.
function execRefuses(sizes: ExecSizes, pathBytes: number): boolean {
  if (sizes.longest + 1 > MAX_ARG_STRLEN) return true;
  const limits = new BigUint64Array(2);
  const stack = libc().getrlimit(RLIMIT_STACK, limits) === 0 ? Number(limits[0]!) : Number.POSITIVE_INFINITY;
  const limit = Math.max(Math.min(STACK_LIM_FOR_EXEC, Math.floor(stack / 4)), ARG_MAX);
  const pointers = (Math.max(sizes.arguments, 1) + sizes.variables) * 8;
  return limit <= pointers || sizes.bytes + pathBytes > limit - pointers;
}

// argv and envp's sizes from where each string starts (after path and cwd) and where the last ends.
function sizesOf(offsets: number[], end: number, argc: number): ExecSizes {
  let longest = 0;
  for (let i = 2; i < offsets.length; i++) longest = Math.max(longest, (offsets[i + 1] ?? end) - offsets[i]! - 1);
  return { bytes: end - offsets[2]!, arguments: argc, variables: offsets.length - 2 - argc, longest };
}

function target(output: OutputTarget): number {
  return output === "inherit" ? -1 : output === "ignore" ? -2 : output;
}

