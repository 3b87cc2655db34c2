// Regression: issue 15 item 10 — `docker run --user 1000` (Kubernetes runAsNonRoot) with a read-only
// root file system exited 2 at once: the default socket and log directory were beside the config in
// /etc/tsvisor, which that user cannot write. The image as shipped must run so, and its HEALTHCHECK's
// `tsvisor check`, an ops shell's `tsvisor status` and `docker stop` must work.
import { expect, test } from "bun:test";
import { Container } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

test("`docker run --user 1000 --read-only`: RUNNING, the socket in /dev/shm, log files off (said once), check and status answer, docker stop exits 0", async () => {
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: ["--user", "1000", "--read-only"] });
  await container.waitForLog(/success: hello entered RUNNING/);
  // docker exec runs as the container's user: the client looks where that user's daemon went
  const [check, status] = [await container.exec(["tsvisor", "check"]), await container.exec(["tsvisor", "status"])];
  const { stdout, stderr } = await container.logs();
  expect({
    check: [check.exitCode, check.stdout],
    status: [status.exitCode, /^hello\s+RUNNING\s/m.test(status.stdout)],
    program: stdout,
    warnings: stderr.split("\n").filter((l) => / WARN /.test(l)).map((l) => l.replace(/^\S+ WARN /, "").replace(/ \(.*/, "")),
    socket: stderr.split("\n").find((l) => l.includes(" starting with "))?.replace(/.*control socket /, ""),
  }).toEqual({
    check: [0, "ok: every process that should run is RUNNING (1 checked)\n"],
    status: [0, true],
    program: "hello | hello from a program supervised by tsvisor\n",
    warnings: ["log files are off: no default log_dir can be written"],
    socket: "/dev/shm/tsvisor-1000/tsvisor.sock",
  });
  expect((await container.stop(10)).exitCode).toBe(0);
});

test("with --tmpfs /tmp too: socket and log files in /tmp/tsvisor-1000, `tsvisor logs` reads them", async () => {
  await using container = await Container.start(IMAGES.tsvisor, [], { flags: ["--user", "1000", "--read-only", "--tmpfs", "/tmp"] });
  await container.waitForLog(/success: hello entered RUNNING/);
  const [logs, files, check] = [
    await container.exec(["tsvisor", "logs", "hello"]),
    await container.exec(["stat", "-c", "%n %a %u", "/tmp/tsvisor-1000", "/tmp/tsvisor-1000/tsvisor.sock", "/tmp/tsvisor-1000/logs/hello.out.log"]),
    await container.exec(["tsvisor", "check"]),
  ];
  expect({ logs: [logs.exitCode, logs.stdout], files: files.stdout, check: check.exitCode }).toEqual({
    logs: [0, "hello from a program supervised by tsvisor\n"],
    // the directory 0700 and the user's own: no one else in the container may enter it
    files: "/tmp/tsvisor-1000 700 1000\n/tmp/tsvisor-1000/tsvisor.sock 600 1000\n/tmp/tsvisor-1000/logs/hello.out.log 640 1000\n",
    check: 0,
  });
  expect((await container.stop(10)).exitCode).toBe(0);
});
