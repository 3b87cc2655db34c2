// The foreground exec (src/os/foreground-exec.ts) written to a file and run as tsvisor runs it,
// argv = [itself, the descriptor it runs from, path, CMD's argv...]. Its terminal side (the foreground
// group of a real pseudo-terminal) is tested through tsvisor in test/integration/pid1-init-mode.test.ts.
import { expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foregroundExecutable } from "../../src/os/foreground-exec.ts";

function tempDir() {
  return { path: mkdtempSync(join(tmpdir(), "tsvisor-foreground-exec-")), [Symbol.dispose]() { rmSync(this.path, { recursive: true, force: true }); } };
}

function writeHelper(dir: string, parentPid: number): string {
  const path = join(dir, `helper-${parentPid}`);
  writeFileSync(path, foregroundExecutable(parentPid), { mode: 0o755 });
  return path;
}

// A tsvisor that died before the prctl leaves the child to another parent: it must not run CMD, which
// would never get its parent-death signal.
test("it runs the command only as a child of the process it was made for, and sets its parent-death signal", () => {
  using dir = tempDir();
  const mark = join(dir.path, "ran");
  const run = (parentPid: number) => Bun.spawnSync([writeHelper(dir.path, parentPid), "0", "/bin/sh", "sh", "-c", `echo $$ > ${mark}`], { stdin: "ignore" });
  const otherParent = run(process.pid + 1).exitCode;
  const markedByOther = existsSync(mark);
  const ownParent = run(process.pid).exitCode;
  expect({ otherParent, markedByOther, ownParent, marked: existsSync(mark) }).toEqual({ otherParent: 125, markedByOther: false, ownParent: 0, marked: true });
  // prctl(PR_GET_PDEATHSIG) has no command-line tool: the kernel shows it nowhere else; the
  // integration test kills tsvisor and watches CMD die (pid1-init-mode.test.ts).
});

test("CMD gets its own process group, every signal at its default and none blocked, and every descriptor but the helper's own", () => {
  using dir = tempDir();
  const helper = writeHelper(dir.path, process.pid);
  const own = openSync(join(dir.path, "own"), "w"); // stands for the memfd the helper runs from
  const passed = openSync(join(dir.path, "passed"), "w"); // stands for a socket systemd passed on
  try {
    // Signals ignored and blocked before the helper is exec'd, as Bun (tsvisor) may leave them.
    const script = `use POSIX; $SIG{$_} = "IGNORE" for qw(PIPE USR1 TTOU); sigprocmask(SIG_BLOCK, POSIX::SigSet->new(1..31)) or die; exec @ARGV or die`;
    // The masks are read by the shell's builtins: a command it starts (grep) could read them while the
    // shell still blocks every signal around its vfork (dash does; seen in npm test, 5 in 30 runs beside
    // two CPU hogs).
    const report = `set -- $(cat /proc/$$/stat); echo "pid=$$ pgid=$5"; while read -r key value; do case $key in SigBlk:|SigIgn:) printf '%s\\t%s\\n' "$key" "$value";; esac; done < /proc/$$/status; exec ls -l /proc/self/fd`;
    const run = Bun.spawnSync(["perl", "-e", script, helper, String(own), "/bin/sh", "sh", "-c", report], {
      stdio: ["ignore", "pipe", "pipe", ...slots(own, passed)],
    });
    const [group, blocked, ignored, ...fds] = run.stdout.toString().trim().split("\n");
    const [, pid, pgid] = /^pid=(\d+) pgid=(\d+)$/.exec(group!)!;
    const links = fds.map((line) => line.slice(line.indexOf(" -> ") + 4)).filter((target) => target.startsWith(dir.path));
    expect({ code: run.exitCode, ownGroup: pid === pgid, ignored, blocked, links }).toEqual({
      code: 0, ownGroup: true, ignored: "SigIgn:\t0000000000000000", blocked: "SigBlk:\t0000000000000000", links: [join(dir.path, "passed")],
    });
  } finally {
    closeSync(own);
    closeSync(passed);
  }
});

test("a command that is not there exits 127, one that is not executable 126, and no descriptor number exits 125", () => {
  using dir = tempDir();
  const helper = writeHelper(dir.path, process.pid);
  const directory = join(dir.path, "a-directory");
  mkdirSync(directory);
  const run = (args: string[]) => Bun.spawnSync([helper, ...args], { stdio: ["ignore", "ignore", "ignore"] }).exitCode;
  // 99 is no open descriptor: close fails, and nothing runs with a descriptor it was asked to close open
  expect([run(["99", "/nonexistent", "x"]), run(["99"]), run(["0", join(dir.path, "missing"), "missing"]), run(["0", directory, "a-directory"])]).toEqual([125, 125, 127, 126]);
});

// stdio entries from fd 3 up: each descriptor at its own number, nothing in the gaps.
function slots(...fds: number[]): (number | null)[] {
  const result: (number | null)[] = new Array(Math.max(...fds) - 2).fill(null);
  for (const fd of fds) result[fd - 3] = fd;
  return result;
}
