// GET /metrics scraped from a running dist/tsvisor: it parses as Prometheus text (promtool, from
// Debian's prometheus package) and every value is what `tsvisor status --json` says at that moment.
import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import type { ProcessStatus } from "../../src/control/protocol.ts";
import { signalNumber } from "../../src/os/signals.ts";
import { httpOn } from "./_http.ts";
import { Daemon, fixture, tempDir, waitFor } from "./_harness.ts";

const REPO = resolve(import.meta.dir, "../..");
const ensured = Bun.spawnSync(["bash", join(REPO, "scripts/ensure-debian-packages.sh"), "prometheus"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install prometheus (for promtool): ${ensured.stderr.toString()}`);

const PROGRAMS = `
[supervisor]
sample_interval = "200ms"

[programs.web]
command = ["sleep", "1000"]
startsecs = 0
[programs.web.healthcheck]
command = ["true"]
interval = "200ms"

[programs.worker]
command = ["sleep", "1000"]
numprocs = 2
startsecs = 0

[programs.crashy]
command = ["${fixture("exit-with")}", "3"]
startretries = 0

[programs.killed]
command = ["sleep", "1000"]
startsecs = 0
autorestart = false

[programs.manual]
command = ["sleep", "1000"]
autostart = false
`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// The exposition format's sample lines -> samples; a line that is neither a sample nor a comment fails the test.
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

// What /metrics must say of one process, derived from its status the way docs/http.md says.
function expectedSeries(p: ProcessStatus): Record<string, number> {
  const series: Record<string, number> = {
    [`tsvisor_program_state{state="${p.state}"}`]: 1,
    tsvisor_program_up: p.state === "RUNNING" ? 1 : 0,
    tsvisor_program_restarts_total: p.restarts,
    tsvisor_program_dropped_log_lines_total: p.dropped_log_lines,
  };
  if (p.last_exit !== null) series.tsvisor_program_last_exit_code = p.last_exit.code ?? 128 + signalNumber(p.last_exit.signal!);
  if (p.pid !== null && p.started_at !== null) series.tsvisor_program_start_time_seconds = p.started_at / 1000;
  if (p.cpu_seconds !== null) series.tsvisor_program_cpu_seconds_total = p.cpu_seconds;
  if (p.rss_bytes !== null) series.tsvisor_program_resident_memory_bytes = p.rss_bytes;
  if (p.health !== null) series[`tsvisor_program_health{health="${p.health}"}`] = 1;
  return series;
}

// The series of one process in a scrape, keyed as expectedSeries() keys them (state-sets by their set member).
function scrapedSeries(samples: Sample[], name: string): Record<string, number> {
  const series: Record<string, number> = {};
  for (const s of samples.filter((s) => s.labels.process === name)) {
    if (s.name === "tsvisor_program_state" || s.name === "tsvisor_program_health") {
      const member = s.name === "tsvisor_program_state" ? `state="${s.labels.state}"` : `health="${s.labels.health}"`;
      if (s.value === 1) series[`${s.name}{${member}}`] = 1;
      else expect(s.value).toBe(0);
    } else {
      series[s.name] = s.value;
    }
  }
  return series;
}

test("/metrics parses as Prometheus text and its values match tsvisor status --json", async () => {
  using dir = tempDir();
  const http = httpOn();
  await using daemon = Daemon.start(dir.path, `${PROGRAMS}\n${http.block}`);
  await daemon.waitForLog(/gave up: crashy entered FATAL/);
  await waitFor(async () => (await daemon.status("killed"))?.state === "RUNNING", "killed RUNNING");
  await daemon.ctl(["signal", "KILL", "killed"]);
  const statuses = async () => (JSON.parse((await daemon.ctl(["status", "--json"])).stdout) as { processes: ProcessStatus[] }).processes;
  await waitFor(async () => {
    const s = await statuses();
    const byName = Object.fromEntries(s.map((p) => [p.name, p]));
    return byName.killed!.state === "EXITED" && byName.web!.health === "healthy" && byName.web!.cpu_seconds !== null && byName["worker-1"]!.rss_bytes !== null;
  }, "killed EXITED, web healthy, and every running process sampled");

  // Sampling goes on every 200 ms: compare a scrape with the status taken just before it, when the
  // status taken just after it is the same (no sample fell between them).
  const { text, before } = await waitFor(async () => {
    const first = await statuses();
    const response = await fetch(`${http.base}/metrics`);
    const body = await response.text();
    const after = await statuses();
    const figures = (ps: ProcessStatus[]) => JSON.stringify(ps.map(({ uptime_ms, ...rest }) => rest));
    return figures(first) === figures(after) ? { text: body, before: first } : undefined;
  }, "a scrape between two identical statuses");

  const promtool = Bun.spawnSync(["promtool", "check", "metrics"], { stdin: Buffer.from(text), stdout: "pipe", stderr: "pipe" });
  expect([promtool.exitCode, `${promtool.stdout}${promtool.stderr}`.trim()]).toEqual([0, ""]);

  const samples = parseMetrics(text);
  expect(before.map((p) => p.name)).toEqual(["web", "worker-0", "worker-1", "crashy", "killed", "manual"]);
  for (const p of before) {
    expect({ process: p.name, series: scrapedSeries(samples, p.name) }).toEqual({ process: p.name, series: expectedSeries(p) });
    expect(samples.filter((s) => s.labels.process === p.name).every((s) => s.labels.program === p.group)).toBe(true);
  }
  // the cases the table calls out, spelled out
  const value = (name: string, process: string) => samples.find((s) => s.name === name && s.labels.process === process)?.value;
  expect([value("tsvisor_program_last_exit_code", "crashy"), value("tsvisor_program_last_exit_code", "killed"), value("tsvisor_program_last_exit_code", "manual")]).toEqual([3, 137, undefined]);

  const own = (name: string) => samples.find((s) => s.name === name);
  expect(own("tsvisor_dropped_log_lines_total")!.value).toBe(before.reduce((sum, p) => sum + p.dropped_log_lines, 0));
  expect(own("tsvisor_uptime_seconds")!.value).toBeGreaterThan(0);
  expect(own("tsvisor_resident_memory_bytes")!.value).toBeGreaterThan(1024 * 1024);
  const { stdout } = await daemon.ctl(["version"]);
  expect(stdout).toContain(own("tsvisor_build_info")!.labels.version!);
});
