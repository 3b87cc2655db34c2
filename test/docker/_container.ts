// Containers of the test run's engine: `run()` to completion, or `Container.start()` in the
// background with waits on its logs, health and state. Every container is labelled so the engine
// removes whatever a failed test left; `await using` removes it at the end of the test already.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandOptions, Output } from "../infra/command.ts";
import { waitFor } from "../infra/wait-for.ts";
import { dockerEngine, TEST_LABEL } from "./_engine.ts";

export interface RunOptions extends CommandOptions {
  /** `docker run` options (before the image): "--user", "1000", "-v", "...". */
  flags?: string[];
}

// No network unless a test asks for one (--network=host in `flags`): the engine has no bridge.
const runFlags = (flags: string[] = []) => ["--label", TEST_LABEL, ...(flags.some((f) => f.startsWith("--network")) ? [] : ["--network=none"]), ...flags];

/** `docker run --rm [flags] IMAGE ARGS...` to its end: the container's output and exit code. */
export async function run(image: string, args: string[] = [], options: RunOptions = {}): Promise<Output> {
  const engine = await dockerEngine();
  return engine.docker(["run", "--rm", ...(options.input === undefined ? [] : ["-i"]), ...runFlags(options.flags), image, ...args], options);
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Pid: number;
  Health?: { Status: string; Log: { ExitCode: number; Output: string }[] };
}

export class Container implements AsyncDisposable {
  private constructor(readonly id: string, readonly image: string) {}

  /** `docker run -d [flags] IMAGE ARGS...`: the container once it has been created and started. */
  static async start(image: string, args: string[] = [], options: RunOptions = {}): Promise<Container> {
    const engine = await dockerEngine();
    const { stdout } = await engine.dockerOk(["run", "-d", ...runFlags(options.flags), image, ...args], options);
    return new Container(stdout.trim(), image);
  }

  /** `docker logs`: what the container wrote to its stdout and its stderr so far. */
  async logs(): Promise<{ stdout: string; stderr: string }> {
    const { stdout, stderr } = await (await dockerEngine()).dockerOk(["logs", this.id]);
    return { stdout, stderr };
  }

  /** The first line of `docker logs` (either stream) that matches, once there is one; fails at once when the container has exited without it. */
  async waitForLog(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    let seen = "";
    return waitFor(async () => {
      const running = (await this.state()).Running; // before the logs: an exit after them is seen next time
      const { stdout, stderr } = await this.logs();
      seen = `--- stdout:\n${stdout}--- stderr:\n${stderr}`;
      const line = `${stdout}\n${stderr}`.split("\n").find((l) => pattern.test(l));
      if (line === undefined && !running) throw new Error(`${this.image} exited without a line matching ${pattern} in docker logs\n${seen}`);
      return line;
    }, `a line matching ${pattern} in docker logs of ${this.image}\n${seen}`, timeoutMs);
  }

  /** `docker inspect`'s State. */
  async state(): Promise<ContainerState> {
    const { stdout } = await (await dockerEngine()).dockerOk(["inspect", "-f", "{{json .State}}", this.id]);
    return JSON.parse(stdout) as ContainerState;
  }

  /** Wait for the HEALTHCHECK's verdict to become `status` ("healthy", "unhealthy"). */
  async waitForHealth(status: "healthy" | "unhealthy", timeoutMs = 60_000): Promise<ContainerState> {
    let last: ContainerState | undefined;
    return waitFor(async () => {
      last = await this.state();
      return last.Health?.Status === status && last;
    }, `${this.image} to be ${status}; last state: ${JSON.stringify(last)}`, timeoutMs);
  }

  /** `docker wait`: the exit code, once the container has exited. */
  async exited(timeoutMs = 60_000): Promise<number> {
    const { stdout } = await (await dockerEngine()).dockerOk(["wait", this.id], { timeoutMs });
    return Number(stdout.trim());
  }

  /** `docker exec CONTAINER ARGS...` (an ops shell in the container). */
  async exec(args: string[], options: CommandOptions & { flags?: string[] } = {}): Promise<Output> {
    return (await dockerEngine()).docker(["exec", ...(options.flags ?? []), this.id, ...args], options);
  }

  /** `docker stop -t SECONDS`: the exit code and how long the stop took. */
  async stop(graceSeconds: number): Promise<{ exitCode: number; seconds: number }> {
    const started = performance.now();
    await (await dockerEngine()).dockerOk(["stop", "-t", String(graceSeconds), this.id], { timeoutMs: (graceSeconds + 60) * 1000 });
    const seconds = (performance.now() - started) / 1000;
    return { exitCode: (await this.state()).ExitCode, seconds };
  }

  /** `docker kill -s SIGNAL`. */
  async kill(signal: string): Promise<void> {
    await (await dockerEngine()).dockerOk(["kill", "-s", signal, this.id]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await (await dockerEngine()).docker(["rm", "-f", this.id], { timeoutMs: 60_000 });
  }
}

/**
 * A directory holding `tsvisor.toml`, to mount over the image's /etc/tsvisor (`-v DIR:/etc/tsvisor:ro`):
 * the directory rather than the file, so that rewriting the config for a reload is seen inside.
 */
export function configDir(toml: string): { path: string; mount: string[]; write(toml: string): void; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), "tsvisor-docker-config-"));
  const write = (text: string) => writeFileSync(join(path, "tsvisor.toml"), text);
  write(toml);
  return { path, mount: ["-v", `${path}:/etc/tsvisor:ro`], write, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}
