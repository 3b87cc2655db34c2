import { expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { ProcFiles } from "../../src/os/proc-files.ts";
import { TreeReader } from "../../src/os/tree-reader.ts";

// Descriptors of this process open on `path` (a kept /proc file shows as a link to it).
function openOn(path: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // closed meanwhile (the listing's own descriptor)
    }
  }
  return count;
}

const pidsOf = (reader: TreeReader, root: number): number[] => [...(reader.read([root]).get(root)?.pids ?? [])].sort((a, b) => a - b);

// Poll with a deadline: the shell forks its child some time after the line reaches it.
async function until<T>(look: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = look();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    await Bun.sleep(20);
  }
}

test("a program idle for rounds, then forking, has its child counted in the next read", async () => {
  // the shell waits on its stdin (it does not run), then starts a sleep when a line arrives
  await using sh = Bun.spawn(["sh", "-c", "read line; sleep 30 & wait"], { stdin: "pipe" });
  const reader = new TreeReader();
  try {
    expect(pidsOf(reader, sh.pid)).toEqual([sh.pid]);
    expect(pidsOf(reader, sh.pid)).toEqual([sh.pid]); // idle: answered from its unchanged schedstat
    sh.stdin.write("go\n");
    await sh.stdin.flush();
    const tree = await until(() => {
      const pids = pidsOf(reader, sh.pid);
      return pids.length === 2 ? pids : undefined;
    }, "the sleep in the shell's tree");
    expect(tree[0]).toBe(sh.pid);
  } finally {
    reader.close();
    sh.kill("SIGKILL");
  }
});

test("an idle process's figures stay its own: CPU time used since the last read shows in the next", async () => {
  await using sh = Bun.spawn(["sh", "-c", "read line; i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; read line"], { stdin: "pipe" });
  const reader = new TreeReader();
  try {
    // once the shell waits in `read` (just spawned, it is still starting), a look finds nothing new:
    // the same tree, not read again
    const first = await until(() => {
      const tree = reader.read([sh.pid]).get(sh.pid)!;
      return reader.read([sh.pid]).get(sh.pid) === tree ? tree : undefined;
    }, "the shell to wait idle in read");
    const before = first.cpuTicks;
    sh.stdin.write("go\n");
    await sh.stdin.flush();
    await until(() => (reader.read([sh.pid]).get(sh.pid)!.cpuTicks > before ? true : undefined), "the loop's CPU time");
  } finally {
    reader.close();
    sh.kill("SIGKILL");
  }
});

test("a kept /proc descriptor never reads another process: once its process is reaped it reads nothing", async () => {
  const files = new ProcFiles();
  const child = Bun.spawn(["sleep", "30"]);
  const path = `/proc/${child.pid}/stat`;
  files.beginRound(new Set([child.pid]));
  expect(files.read(path, child.pid, true)).toContain(`${child.pid} (sleep)`);
  expect(openOn(path)).toBe(1); // kept
  child.kill("SIGKILL");
  await child.exited;
  expect(files.read(path, child.pid, true)).toBeNull();
  expect(openOn(path)).toBe(0); // and let go
  files.closeAll();
});

test("the descriptors of processes no longer read are closed at the next round", () => {
  const files = new ProcFiles();
  const stat = `/proc/${process.pid}/stat`;
  files.beginRound(new Set([process.pid]));
  files.read(stat, process.pid, true);
  expect(files.readLeadingNumber(`/proc/${process.pid}/schedstat`, process.pid, true)).toBeGreaterThan(0);
  expect(openOn(stat)).toBe(1);
  files.beginRound(new Set());
  expect(openOn(stat)).toBe(0);
});

// The reader keeps its trees from round to round and updates them in place: a root left out of a
// read must be out of its answer, and one asked for again must be read anew, not answered from before.
test("a root left out of a read is not in its answer; asked for again, it is read anew", async () => {
  await using a = Bun.spawn(["sleep", "30"]);
  await using b = Bun.spawn(["sh", "-c", "read line; sleep 30 & wait"], { stdin: "pipe" });
  const reader = new TreeReader();
  try {
    const both = reader.read([a.pid, b.pid]);
    expect([both.has(a.pid), both.get(b.pid)?.pids]).toEqual([true, [b.pid]]);
    const onlyA = reader.read([a.pid]);
    expect([onlyA.has(a.pid), onlyA.has(b.pid), onlyA.get(b.pid)]).toEqual([true, false, undefined]);
    // b forks while nobody asks for it (seen in /proc directly): asked for again, its tree has the child
    b.stdin.write("go\n");
    await b.stdin.flush();
    const children = `/proc/${b.pid}/task/${b.pid}/children`;
    await until(() => (readFileSync(children, "utf8").trim() !== "" ? true : undefined), "b's child");
    const again = reader.read([a.pid, b.pid]);
    expect([again.get(a.pid)?.pids, again.get(b.pid)?.pids.length]).toEqual([[a.pid], 2]);
  } finally {
    reader.close();
    a.kill("SIGKILL");
    b.kill("SIGKILL");
  }
});

test("a root that is gone is left out of the answer, and its kept descriptors are let go", async () => {
  const child = Bun.spawn(["sleep", "30"]);
  const reader = new TreeReader();
  try {
    expect(reader.read([child.pid, process.pid]).has(child.pid)).toBe(true);
    expect(openOn(`/proc/${child.pid}/schedstat`)).toBe(1);
    child.kill("SIGKILL");
    await child.exited;
    const after = reader.read([child.pid, process.pid]);
    expect([after.has(child.pid), after.get(child.pid), after.has(process.pid)]).toEqual([false, undefined, true]);
    expect(openOn(`/proc/${child.pid}/schedstat`)).toBe(0);
  } finally {
    reader.close();
  }
});

// Red team, 2026-12-06: a parent that ignores SIGCHLD does not run when its child exits (the kernel
// reaps it), so its kept list still names the child; a process of anyone given that pid was counted
// in the parent's tree (its memory set off the program's max_memory). The pid is handed out again
// here through ns_last_pid (root).
test("a child's pid given to another process after the child exited is not counted in the tree", async () => {
  // SIGCHLD ignored is kept across exec: the idle `sleep 30` never runs when its child exits
  await using parent = Bun.spawn(["perl", "-e", '$SIG{CHLD} = "IGNORE"; if (!fork) { select(undef, undef, undef, 1); exit } exec "sleep", "30"']);
  const reader = new TreeReader();
  const children = `/proc/${parent.pid}/task/${parent.pid}/children`;
  try {
    const child = await until(() => Number(readFileSync(children, "utf8").trim()) || undefined, "the parent's child");
    expect(pidsOf(reader, parent.pid)).toEqual([parent.pid, child].sort((a, b) => a - b));
    await until(() => (readFileSync(children, "utf8").trim() === "" ? true : undefined), "the child reaped");
    expect(pidsOf(reader, parent.pid)).toEqual([parent.pid]);
    // another process, not the parent's, is given the child's pid
    let stranger: ReturnType<typeof Bun.spawn> | undefined;
    for (let tries = 0; tries < 50 && stranger === undefined; tries++) {
      writeFileSync("/proc/sys/kernel/ns_last_pid", String(child - 1));
      const spawned = Bun.spawn(["sleep", "30"]);
      if (spawned.pid === child) stranger = spawned;
      else spawned.kill("SIGKILL");
    }
    if (stranger === undefined) throw new Error(`pid ${child} was not handed out again in 50 tries`);
    try {
      expect(pidsOf(reader, parent.pid)).toEqual([parent.pid]);
      expect(pidsOf(reader, parent.pid)).toEqual([parent.pid]);
    } finally {
      stranger.kill("SIGKILL");
    }
  } finally {
    reader.close();
    parent.kill("SIGKILL");
  }
});
