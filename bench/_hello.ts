// The floors the benchmarks compare tsvisor with. The runtime's: a compiled Bun program that does
// nothing of its own, built by scripts/build.sh with tsvisor's own flags (--bytecode, --minify,
// --splitting ...) and the same Bun, so the difference to tsvisor is tsvisor's code, not the build.
// The machine's: small C programs of bench/ that do only the system calls a job needs
// (pipe-relay.c, spawn-floor.c).
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");

/** Prints "hello\n" and exits: the start-up floor of a command such as `tsvisor check`. */
export const HELLO_WORLD = 'process.stdout.write("hello\\n");\n';
/** Stays up doing nothing: the idle-memory floor of a daemon. */
export const IDLE_FOREVER = "setInterval(() => {}, 1e8);\n";

// Compiles `source` into dir/name and returns the executable's path; throws if the build failed.
export function buildBunProgram(dir: string, name: string, source: string): string {
  const entry = join(dir, `${name}.ts`);
  const outfile = join(dir, name);
  writeFileSync(entry, source);
  // build.sh runs `bun` from PATH: this very Bun (its file is bun.exe in node_modules)
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, "bun"))) symlinkSync(process.execPath, join(bin, "bun"));
  const env = { ...process.env, BUILD_ENTRIES: entry, PATH: `${bin}:${process.env.PATH}` };
  const build = Bun.spawnSync(["bash", join(ROOT, "scripts/build.sh"), outfile], { env, stdout: "ignore", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`building ${name} failed: ${build.stderr.toString()}`);
  settleExecutable(outfile);
  return outfile;
}

// A freshly written executable maps more of itself at start-up than the same file read back from
// disk: measured 2026-12-04, `tsvisor check` peaked at 37.3 MiB run from the file a build had just
// written, 31.8 MiB from the same file once dropped from the page cache (and the same ~5.5 MiB on a
// copy of it). Users run binaries installed long before, so every compiled program a benchmark
// compares (tsvisor, the hello-world floor) is first written back and dropped from the page cache
// (sync, then dd's iflag=nocache: posix_fadvise DONTNEED), and is read from disk as theirs is.
export function settleExecutable(path: string): void {
  for (const argv of [["sync", path], ["dd", `if=${path}`, "iflag=nocache", "count=0", "status=none"]]) {
    const done = Bun.spawnSync(argv, { stderr: "pipe" });
    if (done.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${done.stderr.toString()}`);
  }
}

// bench/NAME.c compiled with gcc -O2 (the benchmarks install gcc and libc6-dev through
// scripts/ensure-debian-packages.sh) into a directory removed when the benchmark exits; its path.
export function buildCFloor(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tsvisor-bench-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, name);
  const cc = Bun.spawnSync(["gcc", "-O2", "-o", out, join(import.meta.dir, `${name}.c`)], { stdout: "inherit", stderr: "inherit" });
  if (cc.exitCode !== 0) throw new Error(`gcc could not build bench/${name}.c`);
  return out;
}
