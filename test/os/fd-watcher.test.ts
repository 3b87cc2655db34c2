import { expect, test } from "bun:test";
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { armReadable, armWritable } from "../../src/os/fd-watcher.ts";
import { openPipe } from "../../src/os/pipe.ts";
import { waitFor } from "../infra/wait-for.ts";

// The number of times `arm` has called back, once the call it waits for has come.
async function calledBack(arm: (onReady: () => void) => void, what: string): Promise<number> {
  let calls = 0;
  arm(() => calls++);
  await waitFor(() => calls > 0, what, 5_000);
  return calls;
}

// dup2(2), for the test below only: it puts a new pipe on an old number in one step. Closing the old pipe
// and counting on the kernel to hand its number out again raced Bun's own threads (the poll worker
// starting), which took the number in between in one CI run.
const { dup2 } = dlopen("libc.so.6", { dup2: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } }).symbols;

test("a pipe is reported once per arm when it has data, and a pipe given a closed pipe's number is watched as itself", async () => {
  const first = openPipe();
  const reports: number[] = [];
  writeSync(first.write, "a");
  reports.push(await calledBack((cb) => armReadable(first.read, cb), "the first pipe's data"));
  readSync(first.read, Buffer.alloc(8));
  // The first pipe's read end is closed and its number given to a new pipe's read end, as the kernel
  // does when it hands out the lowest free number: epoll watched that number until it was closed, and
  // arming it again must watch the new pipe.
  const second = openPipe();
  const reused = first.read;
  try {
    expect(dup2(second.read, reused)).toBe(reused);
    writeSync(second.write, "b");
    reports.push(await calledBack((cb) => armReadable(reused, cb), "the second pipe's data"));
    expect(reports).toEqual([1, 1]);
  } finally {
    for (const fd of [reused, first.write, second.read, second.write]) closeSync(fd);
  }
});

test("a pipe that filled before it was armed is reported at once (no wakeup is lost between a read and the arm)", async () => {
  const pipe = openPipe();
  try {
    for (let i = 0; i < 3; i++) {
      writeSync(pipe.write, `line ${i}\n`);
      expect(await calledBack((cb) => armReadable(pipe.read, cb), `line ${i}`)).toBe(1);
      readSync(pipe.read, Buffer.alloc(64));
    }
  } finally {
    closeSync(pipe.read);
    closeSync(pipe.write);
  }
});

test("what epoll cannot watch (a regular file, always ready) is reported anyway, for reading and for writing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fd-watcher-"));
  const fd = openSync(join(dir, "file"), "w+");
  try {
    expect([
      await calledBack((cb) => armReadable(fd, cb), "the file reported readable"),
      await calledBack((cb) => armWritable(fd, cb), "the file reported writable"),
    ]).toEqual([1, 1]);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
