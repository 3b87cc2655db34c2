// /proc files read again every sample_interval (each program's /proc/PID/stat, schedstat and children
// list): kept open and read again with pread at offset 0, which makes the kernel write the text anew. One
// system call a read instead of three (open, read, close): measured with 1,000 `sleep`s, 9 ms a round
// against 30 ms, the same in C as in JavaScript, so the kernel's open is the cost, not ours.
// A kept descriptor names the process, not its number: once the process is reaped a read fails
// (ESRCH) and can never read another process that was given the same pid.
// The kept descriptors are a cache that gives way: one is kept only while plenty are left over the
// spawn reserve (fd-budget.ts), and all are let go when descriptors run short.
import { ptr } from "bun:ffi";
import { closeSync, openSync, readSync } from "node:fs";
import { FD_RESERVE, fdUsage, fdsRunningShort } from "./fd-budget.ts";
import source from "./leading-numbers.c" with { type: "text" };
import { compileC } from "./tiny-cc.ts";

// The longest /proc/PID/stat is ~400 bytes; a children list of this many bytes holds ~500 pids, and a
// longer one is read whole by a loop below.
const CHUNK = 4096;

export class ProcFiles {
  /** Path -> its descriptor and the process it is of. */
  private readonly kept = new Map<string, { fd: number; pid: number }>();
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  /** Descriptors this round may still keep; computed when the round first wants one. */
  private spare: number | null = null;
  // readLeadingNumbers' arrays, reused round after round
  private readonly numbers: (number | null)[] = [];
  private readonly batch: number[] = [];
  private batchFds = new Int32Array(0);
  private batchOut = new Float64Array(0);

  /** A new round: the files of these processes may be kept from now on; the others are closed. */
  beginRound(keeping: { has(pid: number): boolean }): void {
    this.spare = null;
    if (fdsRunningShort()) return this.closeAll();
    this.kept.forEach(({ fd, pid }, path) => {
      if (!keeping.has(pid)) this.close(path, fd);
    });
  }

  /** The text of `path`, a file of process `pid`, kept open for the next round if `keep`; null when it cannot be read (gone). */
  read(path: string, pid: number, keep: boolean): string | null {
    return this.through(path, pid, keep, (fd) => this.readAll(fd));
  }

  /**
   * The number the file starts with (schedstat's nanoseconds), read as read() does but without
   * making a string of it: the sampler's read of every idle program. null when it cannot be read.
   */
  readLeadingNumber(path: string, pid: number, keep: boolean): number | null {
    return this.through(path, pid, keep, (fd) => {
      try {
        const length = readSync(fd, this.buffer, 0, CHUNK, 0);
        let value = 0;
        let at = 0;
        for (; at < length; at++) {
          const digit = this.buffer[at]! - 48;
          if (digit < 0 || digit > 9) break;
          value = value * 10 + digit;
        }
        return at > 0 ? value : null;
      } catch {
        return null;
      }
    });
  }

  /**
   * readLeadingNumber for each of `paths` (of processes `pids`, all to be kept): the kept ones read in
   * one native call (leading-numbers.c) where TinyCC can compile it, the others one by one. The array
   * returned is this reader's own, valid until the next call: the sampler calls this every round for
   * every program, and arrays made anew each time were garbage for the collector to go through.
   */
  readLeadingNumbers(paths: readonly string[], pids: readonly number[]): readonly (number | null)[] {
    const results = this.numbers;
    results.length = paths.length;
    const native = leadingNumbers();
    const batch = this.batch; // indexes of paths whose descriptor is kept
    batch.length = 0;
    for (let i = 0; i < paths.length; i++) {
      results[i] = null;
      if (native !== null && this.kept.has(paths[i]!)) batch.push(i);
      else results[i] = this.readLeadingNumber(paths[i]!, pids[i]!, true); // opens it, and keeps it if it may
    }
    if (batch.length === 0) return results;
    if (this.batchFds.length < batch.length) {
      this.batchFds = new Int32Array(batch.length * 2);
      this.batchOut = new Float64Array(batch.length * 2);
    }
    const fds = this.batchFds;
    const out = this.batchOut;
    for (let k = 0; k < batch.length; k++) fds[k] = this.kept.get(paths[batch[k]!]!)!.fd;
    native!(fds, batch.length, out);
    for (let k = 0; k < batch.length; k++) {
      const i = batch[k]!;
      if (out[k]! >= 0) results[i] = out[k]!;
      else this.close(paths[i]!, fds[k]!); // gone: let go, as read() does
    }
    return results;
  }

  // The kept descriptor of `path`, or one opened for this read (and kept if it may be); a read that
  // fails lets the kept one go (its process is gone).
  private through<T>(path: string, pid: number, keep: boolean, readFd: (fd: number) => T | null): T | null {
    const known = this.kept.get(path);
    if (known !== undefined) {
      const result = readFd(known.fd);
      if (result === null) this.close(path, known.fd);
      return result;
    }
    let opened: number;
    try {
      opened = openSync(path, "r");
    } catch {
      return null;
    }
    const result = readFd(opened);
    if (result !== null && keep && this.mayKeep()) this.kept.set(path, { fd: opened, pid });
    else closeSync(opened);
    return result;
  }

  closeAll(): void {
    this.kept.forEach(({ fd }, path) => this.close(path, fd));
  }

  private readAll(fd: number): string | null {
    try {
      let length = readSync(fd, this.buffer, 0, CHUNK, 0);
      if (length < CHUNK) return this.buffer.toString("latin1", 0, length);
      const parts = [Buffer.from(this.buffer)];
      for (;;) {
        const part = Buffer.allocUnsafe(CHUNK);
        const n = readSync(fd, part, 0, CHUNK, length);
        if (n === 0) return Buffer.concat(parts).toString("latin1");
        parts.push(part.subarray(0, n));
        length += n;
      }
    } catch {
      return null;
    }
  }

  // Twice the spawn reserve stays free of kept descriptors, so that they never are what refuses one.
  private mayKeep(): boolean {
    if (this.spare === null) {
      const { open, limit } = fdUsage();
      this.spare = limit - open - 2 * FD_RESERVE.spawn;
    }
    return this.spare-- > 0;
  }

  private close(path: string, fd: number): void {
    this.kept.delete(path);
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing to give back
    }
  }
}

let compiled: ((fds: Int32Array, count: number, out: Float64Array) => void) | null | undefined;

// leading-numbers.c, compiled on first use; null where TinyCC cannot run (TSVISOR_NO_NATIVE=1 too).
function leadingNumbers(): ((fds: Int32Array, count: number, out: Float64Array) => void) | null {
  if (compiled !== undefined) return compiled;
  const library = compileC("leading-numbers.c", source, { leading_numbers: { args: ["ptr", "i32", "ptr"], returns: "void" } }, ["pread"]);
  if (library === null) return (compiled = null);
  const { leading_numbers } = library.symbols;
  return (compiled = (fds, count, out) => {
    if (count > 0) leading_numbers(ptr(fds), count, ptr(out));
  });
}
