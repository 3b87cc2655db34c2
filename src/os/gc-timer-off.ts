// The daemon runs with Bun's idle GC timer off. The timer wakes the daemon every second to collect
// whenever its heap changed (every sample changes it), and for full collections after stretches of
// quiet: a quarter to two fifths of an idle daemon's CPU, which put tsvisor above supervisord's at 1
// and 50 programs (docs/performance.md). JavaScriptCore's own collector, paced by allocation, still
// runs, and spawn-garbage.ts collects what start-up leaves.
//
// Bun reads BUN_GC_TIMER_DISABLE only from the environment it starts with, so `tsvisor run` sets it
// and executes itself again in its own place, first thing, before it has read, opened or started
// anything: the same pid (PID 1, systemd's MAINPID, a LISTEN_PID naming it), the same arguments as
// the kernel gave them, the environment it was given plus the variable and a mark, and the
// descriptors it inherited (Bun marked them close-on-exec as it started). Caught signals go back to
// their default with the exec and Bun sets them again; the ignored ones and the mask stay as they
// were given. The new process sees the mark and takes both variables back out of its environment, so
// programs, hooks and CMD get the environment tsvisor was given. A BUN_GC_TIMER_DISABLE the user set
// is left alone, whatever its value, and reaches programs as it always did.
import { ptr } from "bun:ffi";
import { readFileSync } from "node:fs";
import { closeOnExecAgain, inheritedFds, keepAcrossExec } from "./inherited-fds.ts";
import { errno, libc } from "./libc.ts";

const TIMER_VARIABLE = "BUN_GC_TIMER_DISABLE";
// Set only for the exec; its presence also stops a second one, whatever happened to the other variable.
const MARK_VARIABLE = "TSVISOR_SET_BUN_GC_TIMER_DISABLE";
const PR_SET_NAME = 15;

let state: string | undefined;

/**
 * Execute tsvisor again with Bun's idle GC timer off, unless this process is that execution (then
 * take the variables back out), the user chose for the timer, or the exec cannot be done here.
 * Returns only in this last process; gcTimerState() then says which it was.
 */
export function runWithGcTimerOff(): void {
  const mark = process.env[MARK_VARIABLE];
  if (mark !== undefined) {
    const timer = process.env[TIMER_VARIABLE];
    forget(MARK_VARIABLE);
    forget(TIMER_VARIABLE);
    takeBackName(mark);
    state = timer === "1" ? "off" : `as the environment's ${TIMER_VARIABLE}=${JSON.stringify(timer ?? null)} says`;
    return;
  }
  const chosen = process.env[TIMER_VARIABLE];
  if (chosen !== undefined) {
    state = `as the environment's ${TIMER_VARIABLE}=${JSON.stringify(chosen)} says`;
    return;
  }
  let argv: Buffer[];
  let fds: number[];
  let name: Buffer;
  try {
    // as the kernel gave them: bytes, not strings (an argument need not be UTF-8)
    argv = splitAtNul(readFileSync("/proc/self/cmdline"));
    name = readFileSync("/proc/self/comm").subarray(0, -1); // less its newline
    fds = inheritedFds();
  } catch (error) {
    state = `on (cannot read /proc/self to execute tsvisor again: ${(error as Error).message})`;
    return;
  }
  const c = libc();
  keepAcrossExec(fds);
  c.setenv(cString(TIMER_VARIABLE), cString("1"), 1);
  // the mark carries the process's name (in hex: it is bytes): the exec names it after /proc/self/exe, "exe"
  c.setenv(cString(MARK_VARIABLE), cString(name.toString("hex")), 1);
  const vector = new BigUint64Array(argv.length + 1); // char *argv[], NULL-terminated
  argv.forEach((arg, i) => (vector[i] = BigInt(ptr(arg))));
  c.execv(cString("/proc/self/exe"), vector);
  // reached only when the exec failed: go on as this process, as it was
  const code = errno();
  for (const variable of [TIMER_VARIABLE, MARK_VARIABLE]) c.unsetenv(cString(variable));
  closeOnExecAgain(fds);
  state = `on (executing tsvisor again failed: errno ${code})`;
}

/** For the daemon's debug line: "off", or why the timer is on. */
export function gcTimerState(): string {
  return state ?? "on (tsvisor was not started as `tsvisor run`)";
}

// The name ps, top, pgrep and killall go by (/proc/PID/comm) is the basename of the path executed:
// "exe" after the exec of /proc/self/exe. The name the process had before comes back, as it was.
function takeBackName(hex: string): void {
  const name = Buffer.from(hex, "hex");
  if (name.length === 0 || name.includes(0)) return;
  const text = Buffer.concat([name, Buffer.from([0])]); // kept referenced until prctl returns
  libc().prctl(PR_SET_NAME, BigInt(ptr(text)), 0n, 0n, 0n);
}

// Out of the C environment (execvp's) and process.env (what programs are given) alike.
function forget(name: string): void {
  libc().unsetenv(cString(name));
  delete process.env[name];
}

function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`);
}

// "a\0b\0" -> [a\0, b\0], each still NUL-terminated for execv
function splitAtNul(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0, start);
    const stop = end === -1 ? bytes.length : end;
    parts.push(Buffer.concat([bytes.subarray(start, stop), Buffer.from([0])]));
    start = stop + 1;
  }
  return parts;
}
