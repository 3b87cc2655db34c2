// The init-mode example (packaging/docker/init-mode): ENTRYPOINT ["tsvisor", "--"] in front of CMD,
// as tini is used: CMD's exit code is the container's, signals reach CMD, and on `docker run -it`
// CMD owns the terminal (it reads it, and a Ctrl-C reaches it once).
import { expect, test } from "bun:test";
import { collectLines } from "../integration/_harness.ts";
import { waitFor } from "../infra/wait-for.ts";
import { dockerEngine } from "./_engine.ts";
import { Container, run } from "./_container.ts";
import { projectImages } from "./_images.ts";

const IMAGES = await projectImages();

test.each([
  ["sh -c 'exit 3'", ["sh", "-c", "exit 3"], 3],
  ["a CMD killed by SIGTERM (128+15)", ["sh", "-c", "kill -TERM $$"], 143],
  ["a CMD that does not exist (127)", ["no-such-command"], 127],
] as const)("`docker run IMAGE CMD` exits with CMD's code: %s", async (_, cmd, code) => {
  const { exitCode } = await run(IMAGES.initMode, [...cmd]);
  expect(exitCode).toBe(code);
});

test("the image's own CMD (node http-server.mjs) gets `docker stop`'s SIGTERM and the container exits 0", async () => {
  await using container = await Container.start(IMAGES.initMode);
  await container.waitForLog(/^listening on http:\/\/0\.0\.0\.0:8080$/);
  const { exitCode, seconds } = await container.stop(30);
  expect([exitCode, seconds < 10]).toEqual([0, true]);
});

test("`docker run -it`: CMD leads the terminal's foreground group, reads the terminal, and a Ctrl-C reaches it once", async () => {
  const engine = await dockerEngine();
  // Counts SIGINTs: were tsvisor in CMD's group it would get the Ctrl-C too and forward it (two).
  const cmd = [
    "n=0; trap 'n=$((n+1))' INT",
    "set -- $(cat /proc/$$/stat)", // pid (comm) state ppid pgrp session tty_nr tpgid
    "echo \"pgid=$5 tpgid=$8\"",
    "echo ready; read line; echo \"read:$line\"",
    "while [ \"$n\" -lt 1 ]; do sleep 0.05; done; sleep 0.5; echo \"total:$n\"",
  ].join("\n");
  // util-linux's script gives the docker client a pseudo-terminal (as a user's shell would) and
  // copies our stdin to it; the client passes the keys on to the container's terminal.
  const docker = `${engine.client} run -it --rm --network=none --label tsvisor-test ${IMAGES.initMode} sh -c '${cmd.replaceAll("'", "'\\''")}'`;
  const proc = Bun.spawn(["script", "-qec", docker, "/dev/null"], { env: { ...process.env, ...engine.env }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  await using _ = { async [Symbol.asyncDispose]() { proc.kill("SIGKILL"); await proc.exited; } };
  const lines: string[] = [];
  const drained = collectLines(proc.stdout, lines);
  // the terminal echoes what we type, so a line may start with "^C": look for the text anywhere in it
  const seen = (text: string) => () => lines.map((l) => l.replace(/\r$/, "")).map((l) => l.slice(l.indexOf(text))).find((l) => l.startsWith(text));
  await waitFor(seen("ready"), `CMD to start on the terminal\n${lines.join("\n")}`, 30_000);
  proc.stdin.write("hello\n");
  await proc.stdin.flush();
  expect(await waitFor(seen("read:"), `CMD to read the terminal\n${lines.join("\n")}`)).toBe("read:hello");
  proc.stdin.write("\x03");
  await proc.stdin.flush();
  expect(await waitFor(seen("total:"), `CMD to count its SIGINTs\n${lines.join("\n")}`)).toBe("total:1");
  const [, pgid, tpgid] = /^pgid=(\d+) tpgid=(\d+)$/.exec(seen("pgid=")()!)!;
  expect(pgid).toBe(tpgid);
  expect(await proc.exited).toBe(0);
  await drained;
});
