// A real unix datagram listener standing in for systemd's notify socket: a Python process
// (test/fixtures/bin/notify-listener.py) bound on a path or an abstract "@name". Messages arrive as
// they are received, with the receiver's CLOCK_MONOTONIC time and the sender's pid.
import { rmSync } from "node:fs";
import { resolve } from "node:path";

const REPO = resolve(import.meta.dir, "../..");
const LISTENER = resolve(REPO, "test/fixtures/bin/notify-listener.py");
// Debian's python3, installed by the project's script on a machine that lacks it (CI starts clean).
const PYTHON = "/usr/bin/python3";
const ensured = Bun.spawnSync(["bash", resolve(REPO, "scripts/ensure-debian-packages.sh"), "python3"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install python3 for the notify listener: ${ensured.stderr.toString()}`);

export interface NotifyMessage {
  /** Arrival time, CLOCK_MONOTONIC in microseconds. */
  t: number;
  /** The sending process, from SCM_CREDENTIALS. */
  pid: number;
  raw: string;
  fields: Record<string, string>;
}

export class NotifyListener implements AsyncDisposable {
  readonly messages: NotifyMessage[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">, readonly address: string) {}

  /** Bind `address` ("/path" or "@name") and resolve once the socket is ready for datagrams. */
  static async start(address: string): Promise<NotifyListener> {
    const proc = Bun.spawn([PYTHON, LISTENER, address], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const listener = new NotifyListener(proc, address);
    const bound = Promise.withResolvers<void>();
    void listener.read(bound.resolve);
    const exited = proc.exited.then(async (code) => {
      throw new Error(`notify listener exited with ${code}: ${await new Response(proc.stderr).text()}`);
    });
    await Promise.race([bound.promise, exited]);
    return listener;
  }

  /** The first message (from `from` on) for which `match` holds, waiting up to `timeoutMs` for it. */
  next(match: (m: NotifyMessage) => boolean, what: string, from = 0, timeoutMs = 15_000): Promise<NotifyMessage> {
    return new Promise((resolveMessage, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(match);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolveMessage(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received:\n${this.messages.map((m) => JSON.stringify(m.raw)).join("\n")}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  /** Messages that carry `field` (e.g. "WATCHDOG"). */
  with(field: string): NotifyMessage[] {
    return this.messages.filter((m) => field in m.fields);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.proc.kill("SIGKILL");
    await this.proc.exited;
    if (this.address.startsWith("/")) rmSync(this.address, { force: true });
  }

  private async read(onBound: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of this.proc.stdout) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const parsed = JSON.parse(line);
        if ("bound" in parsed) onBound();
        else this.messages.push(parsed as NotifyMessage);
      }
      for (const waiter of [...this.waiters]) waiter();
    }
  }
}

/** A unique abstract socket name, "@tsvisor-test-…": nothing to clean up in the file system. */
export const uniqueAbstractName = () => `@tsvisor-test-${process.pid}-${crypto.randomUUID()}`;
