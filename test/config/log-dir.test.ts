// The default log_dir: the usual place, else the user's private directory under /tmp, else none (log
// files off, with a note `run` logs). The file system's answers are passed in here; the real ones are
// exercised on the binary as a user who cannot write the config's directory (test/integration/non-root-defaults.test.ts).
import { describe, expect, test } from "bun:test";
import type { DirProbe } from "../../src/config/log-dir.ts";
import { defaultLogDir } from "../../src/config/log-dir.ts";
import { load, toml } from "./_helpers.ts";

const probe = (writable: boolean, privateOk: boolean): DirProbe => ({
  writable: () => (writable ? null : "is not writable by this user (permission denied)"),
  private: () => (privateOk ? null : "is on a read-only file system"),
});

describe("defaultLogDir", () => {
  test.each([
    ["root, /var/log writable", 0, probe(true, true), { dir: "/var/log/tsvisor", note: null }],
    ["a user, the config's directory writable", 1000, probe(true, true), { dir: "/app/logs", note: null }],
    ["a user who cannot write the config's directory", 1000, probe(false, true), {
      dir: "/tmp/tsvisor-1000/logs",
      note: "log_dir: /app/logs is not writable by this user (permission denied); the log files go to /tmp/tsvisor-1000/logs (set [supervisor] log_dir to choose a place)",
    }],
    ["nothing writable", 1000, probe(false, false), {
      dir: "none",
      note: "log files are off: no default log_dir can be written (/app/logs is not writable by this user (permission denied); /tmp/tsvisor-1000 is on a read-only file system); "
        + "the programs' output still reaches the console (docker logs, the journal). Set [supervisor] log_dir to a writable directory (docker run --tmpfs /tmp), or log_dir = \"none\" to say so",
    }],
  ] as const)("%s", (_, uid, dirs, expected) => {
    expect(defaultLogDir("/app/tsvisor.toml", uid, dirs)).toEqual(expected);
  });
});

describe("resolved", () => {
  const web = toml("[programs.web]", 'command = "x"', 'stderr_logfile = "/srv/web.err"');
  const summary = (config: ReturnType<typeof load>) => [config.supervisor.log_dir, config.processes[0]!.stdout_logfile, config.processes[0]!.stderr_logfile, config.notes.length];

  test("with nothing writable, \"auto\" log files are off and a note says why; a path of the config's own is kept", () => {
    expect(summary(load({ "tsvisor.toml": web }, { uid: 1000, probeDir: probe(false, false) }))).toEqual(["none", null, "/srv/web.err", 1]);
  });

  test("log_dir = \"none\" (any case) turns \"auto\" log files off, without a note and without asking the file system", () => {
    const asked: DirProbe = { writable: () => { throw new Error("asked"); }, private: () => { throw new Error("asked"); } };
    expect(summary(load({ "tsvisor.toml": `${web}[supervisor]\nlog_dir = "None"\n` }, { uid: 1000, probeDir: asked }))).toEqual(["none", null, "/srv/web.err", 0]);
  });
});
