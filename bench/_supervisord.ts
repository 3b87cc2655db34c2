// Pieces every bench shares: supervisord's config for N programs controlled over a unix socket,
// running a helper command, a process's memory figures, and the machine's description for the results.
import { readFileSync, rmSync } from "node:fs";

/** A field of /proc/PID/status given in kB ("VmRSS", "VmHWM", "RssAnon", ...), in MiB; NaN when absent. */
export function procStatusMiB(pid: number, key: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${key}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

// N identical programs under supervisord, controlled over a unix socket in `dir` as tsvisor is.
export function supervisordConfig(dir: string, programs: number, command = "sleep 100000"): string {
  const sections = Array.from({ length: programs }, (_, i) => `[program:p${i}]\ncommand=${command}\nstartsecs=0\n`).join("\n");
  return `[unix_http_server]
file=${dir}/supervisor.sock
chmod=0700

[supervisord]
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
user=root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock

${sections}`;
}

// Run a command to completion; a failure is reported on stderr, not thrown (cleanup goes on).
export function run(argv: string[]): void {
  const proc = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe" });
  if (proc.exitCode !== 0) process.stderr.write(`${argv.join(" ")} exited ${proc.exitCode}: ${proc.stderr.toString()}`);
}

export function cpuModel(): string {
  const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("model name"));
  return line ? line.split(":")[1]!.trim() : "unknown CPU";
}

// The q-quantile (0.5: the median) of samples sorted ascending, interpolated between neighbours.
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export interface Measured { stdout: string; stderr: string; exitCode: number; ms: number; peakMiB: number }

// Run a command to completion under GNU time (Debian package `time`), for its wall time and its
// peak RSS. Not Bun's own resourceUsage.maxRSS: Linux carries the high-water mark across execve, so
// a command started from a benchmark's Bun process reports at least that process's RSS (a
// `python3 -c pass` showed 37.8 MiB instead of 13). /usr/bin/time's own RSS is ~2 MiB.
export function measure(argv: string[]): Measured {
  const peakFile = `/tmp/tsvisor-bench-peak-${process.pid}`;
  const started = performance.now();
  const proc = Bun.spawnSync(["/usr/bin/time", "-f", "%M", "-o", peakFile, "--", ...argv], { stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - started;
  const kib = Number(readFileSync(peakFile, "utf8").trim().split("\n").at(-1));
  rmSync(peakFile, { force: true });
  return { stdout: proc.stdout.toString(), stderr: proc.stderr.toString(), exitCode: proc.exitCode ?? -1, ms, peakMiB: kib / 1024 };
}
