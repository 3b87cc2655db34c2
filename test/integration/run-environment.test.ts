import { expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon, fixture, readLines, tempDir, waitFor } from "./_harness.ts";

// The report fixture writes key=value lines; parse them into an object.
const report = async (path: string) =>
  Object.fromEntries((await waitFor(() => readLines(path).length > 0 && readLines(path), `report ${path}`)).map((l) => l.split(/=(.*)/s).slice(0, 2)));

test("environment is expanded and merged over tsvisor's own; directory and umask apply", async () => {
  using dir = tempDir();
  const work = join(dir.path, "work");
  mkdirSync(work);
  const out = join(dir.path, "report");
  await using daemon = Daemon.start(dir.path, `
[programs.env]
command = ["${fixture("report-env")}", "${out}"]
directory = "${work}"
umask = "027"
environment = { GREETING = "hello \${WHO}", FROM_DEFAULT = "\${NOT_SET_ANYWHERE:-fallback}" }
startsecs = 0
`, { env: { WHO: "world", INHERITED: "from-tsvisor" } });
  expect(await report(out)).toMatchObject({
    pwd: work, umask: "0027", GREETING: "hello world", FROM_DEFAULT: "fallback", INHERITED: "from-tsvisor",
    TSVISOR_PROCESS_NAME: "env", created_mode: "640",
  });
  await daemon.waitForLog(/success: env entered RUNNING/);
});

test(`user = "nobody" runs the program as nobody (tsvisor runs as root)`, async () => {
  if (process.getuid?.() !== 0) {
    if (process.env.CI) throw new Error("this test needs root, and CI runs as root");
    console.warn("skipping: needs root");
    return;
  }
  using dir = tempDir();
  const out = join(dir.path, "report");
  const nobody = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))!.split(":");
  // Regression: #19 — the fixture ran from the checkout, which nobody cannot enter when the clone is
  // under /root: nobody runs a copy in the test's world-readable directory.
  const reporter = join(dir.path, "report-env.sh");
  copyFileSync(fixture("report-env"), reporter);
  chmodSync(reporter, 0o755);
  await using daemon = Daemon.start(dir.path, `
[programs.unprivileged]
command = ["${reporter}", "${out}"]
directory = "${dir.path}"
user = "nobody"
startsecs = 0
`);
  expect(await report(out)).toMatchObject({ uid: nobody[2], gid: nobody[3] });
  await daemon.waitForLog(/success: unprivileged entered RUNNING/);
});

// Red-team design note: tsvisor's whole environment reached every program, so a secret given to one
// program through ${VAR} was in every other's too. inherit_environment = false gives a program only
// PATH and what its own `environment` names.
test("inherit_environment = false: the program gets PATH and its own environment, none of tsvisor's other variables", async () => {
  using dir = tempDir();
  const [clean, inheriting] = [join(dir.path, "clean"), join(dir.path, "inheriting")];
  const program = (name: string, out: string, extra: string) => `
[programs.${name}]
command = ["/bin/sh", "-c", "env > ${out}.tmp && mv ${out}.tmp ${out} && exec sleep 1000"]
startsecs = 0
${extra}
`;
  await using daemon = Daemon.start(dir.path,
    program("clean", clean, `inherit_environment = false\nenvironment = { GIVEN = "\${SECRET}" }`) + program("inheriting", inheriting, ""),
    { env: { SECRET: "s3cret", PATH: "/usr/bin:/bin" } });
  const envOf = async (path: string) => new Map((await waitFor(() => readLines(path).length > 0 && readLines(path), path)).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const env = await envOf(clean);
  expect([env.get("GIVEN"), env.get("PATH"), env.get("TSVISOR_PROCESS_NAME"), env.get("SECRET"), env.get("TSVISOR_SOCKET")]).toEqual(["s3cret", "/usr/bin:/bin", "clean", undefined, undefined]);
  // nothing else of tsvisor's: the test runner's variables (HOME, …) are not there
  expect([...env.keys()].filter((k) => !/^(GIVEN|PATH|PWD|SHLVL|_|SUPERVISOR_.*|TSVISOR_.*)$/.test(k))).toEqual([]);
  // the default is supervisord's: everything handed down
  expect((await envOf(inheriting)).get("SECRET")).toBe("s3cret");
  await daemon.waitForLog(/success: clean entered RUNNING/);
});
