// `npm run build:release`, run by `npm run test:release` (not by `npm test`: it compiles four
// executables, ~100 MB each, and downloads the cross-target runtimes on a fresh machine). The file
// name leaves it out of bun test's discovery (*.test.ts) on purpose.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { version } from "../../package.json";
import { ensureDebianPackages } from "../infra/debian-packages.ts";
import { arm64OnThisMachine } from "./_arm64.ts";
import { waitFor } from "../infra/wait-for.ts";

const REPO = resolve(import.meta.dir, "../..");
const RELEASE = join(REPO, "dist/release");

// The ELF machine and program interpreter of an executable: what decides where it can run.
function elfTarget(file: string): { machine: string; interpreter: string } {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  const machine = ({ 0x3e: "x86-64", 0xb7: "aarch64" } as Record<number, string>)[view.getUint16(0x12, true)] ?? "other";
  const phoff = Number(view.getBigUint64(0x20, true));
  const [phentsize, phnum] = [view.getUint16(0x36, true), view.getUint16(0x38, true)];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (view.getUint32(ph, true) !== 3) continue; // PT_INTERP
    const [offset, size] = [Number(view.getBigUint64(ph + 8, true)), Number(view.getBigUint64(ph + 32, true))];
    return { machine, interpreter: bytes.subarray(offset, offset + size - 1).toString("latin1") };
  }
  return { machine, interpreter: "none" };
}

test("build:release makes four executables and their checksums; the x64 glibc one answers --version", () => {
  const build = Bun.spawnSync(["npm", "run", "build:release"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  expect({ exitCode: build.exitCode, stderr: build.exitCode === 0 ? "" : build.stderr.toString() }).toEqual({ exitCode: 0, stderr: "" });
  expect(readdirSync(RELEASE).sort()).toEqual([
    "SHA256SUMS", "tsvisor-linux-arm64", "tsvisor-linux-arm64-musl", "tsvisor-linux-x64", "tsvisor-linux-x64-musl",
  ]);
  const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: RELEASE, stdout: "pipe" });
  expect([check.exitCode, check.stdout.toString().trim().split("\n").length]).toEqual([0, 4]);

  expect(Object.fromEntries(["x64", "arm64", "x64-musl", "arm64-musl"].map((t) => [t, elfTarget(join(RELEASE, `tsvisor-linux-${t}`))]))).toEqual({
    "x64": { machine: "x86-64", interpreter: "/lib64/ld-linux-x86-64.so.2" },
    "arm64": { machine: "aarch64", interpreter: "/lib/ld-linux-aarch64.so.1" },
    "x64-musl": { machine: "x86-64", interpreter: "/lib/ld-musl-x86_64.so.1" },
    "arm64-musl": { machine: "aarch64", interpreter: "/lib/ld-musl-aarch64.so.1" },
  });

  const run = Bun.spawnSync([join(RELEASE, "tsvisor-linux-x64"), "--version"], { stdout: "pipe", stderr: "pipe" });
  expect([run.stdout.toString(), run.exitCode]).toEqual([`tsvisor ${version}\n`, 0]);
}, 300_000);

test("the arm64 glibc executable answers --version under qemu with Debian's arm64 glibc", async () => {
  using arm64 = await arm64OnThisMachine();
  const run = Bun.spawnSync([...arm64.command, join(RELEASE, "tsvisor-linux-arm64"), "--version"], { stdout: "pipe", stderr: "pipe" });
  expect([run.stdout.toString(), run.stderr.toString(), run.exitCode]).toEqual([`tsvisor ${version}\n`, "", 0]);
}, 120_000);

test("the x64 musl executable loads under Debian's musl loader but for libstdc++, which Debian ships for glibc only", async () => {
  // Bun's musl build links libstdc++ (Alpine: `apk add libstdc++`). Debian's `musl` package has the
  // loader and libc, not a musl libstdc++, so --version cannot run here; what can be checked is that
  // musl's loader accepts the executable and that libstdc++ is the one library it is missing.
  await ensureDebianPackages("musl");
  const list = Bun.spawnSync(["/lib/ld-musl-x86_64.so.1", "--list", join(RELEASE, "tsvisor-linux-x64-musl")], { stdout: "pipe", stderr: "pipe" });
  const output = list.stdout.toString() + list.stderr.toString();
  const missing = [...output.matchAll(/Error loading shared library (\S+): No such file/g)].map((m) => m[1]);
  expect([missing, /libc\.musl-x86_64\.so\.1 => \/lib\/ld-musl-x86_64\.so\.1/.test(output)]).toEqual([["libstdc++.so.6"], true]);
});

// A release executable must do the job, not only start: `tsvisor run` with a program whose lines
// reach its log files and, prefixed, the console. (Regression: release builds once left out the
// poll worker's entry point, and every program's output was lost from the first spawn on.) The musl
// executables cannot run here (above: no musl libstdc++ in Debian, and Alpine's packages are not
// reachable from this machine to debootstrap-like an Alpine root), so only the glibc ones are run.
test.each([
  ["tsvisor-linux-x64", false, 20_000],
  ["tsvisor-linux-arm64 under qemu", true, 90_000],
] as const)("%s supervises a program: its output lands in its log files and on the console", async (name, emulated, timeoutMs) => {
  using arm64 = emulated ? await arm64OnThisMachine() : { command: [] as string[], [Symbol.dispose]() {} };
  const emulator = arm64.command;
  const executable = join(RELEASE, name.split(" ")[0]!);
  const dir = mkdtempSync(join(tmpdir(), "tsvisor-release-"));
  try {
    writeFileSync(join(dir, "tsvisor.toml"), `
[supervisor]
log_dir = "${dir}/logs"
socket = "${dir}/tsvisor.sock"
[programs.talker]
command = ["sh", "-c", "echo to stdout; echo to stderr >&2; exec sleep infinity"]
`);
    const proc = Bun.spawn([...emulator, executable, "run", "-c", join(dir, "tsvisor.toml")], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr] = [collect(proc.stdout), collect(proc.stderr)];
    const logFile = (file: string) => (existsSync(join(dir, "logs", file)) ? readFileSync(join(dir, "logs", file), "utf8") : "");
    try {
      await waitFor(() => logFile("talker.out.log") === "to stdout\n" && logFile("talker.err.log") === "to stderr\n" &&
        stdout.text.includes("talker | to stdout\n") && stderr.text.includes("talker | to stderr\n"), `talker's lines in ${dir}/logs and on the console`, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- stdout:\n${stdout.text}\n--- stderr:\n${stderr.text}`);
    } finally {
      proc.kill("SIGTERM");
    }
    expect(await proc.exited).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

// A stream's text so far, read as it arrives.
function collect(stream: ReadableStream<Uint8Array>): { text: string } {
  const sink = { text: "" };
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
  })();
  return sink;
}
