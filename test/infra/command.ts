// Runs a host command to completion with a deadline. The slow suites drive docker, debootstrap,
// nsenter and systemctl: one that hangs must fail its test with what it printed, not stall the run.
import { constants } from "node:os";

export interface Output {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CommandOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text written to the command's stdin (closed after it); /dev/null otherwise. */
  input?: string;
  timeoutMs?: number;
}

/** `argv` run to its end: its output and exit code (128+N when killed by signal N). */
export async function exec(argv: string[], options: CommandOptions = {}): Promise<Output> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const proc = Bun.spawn(argv, {
    cwd: options.cwd, env: { ...process.env, ...options.env },
    stdin: options.input === undefined ? "ignore" : new Blob([options.input]), stdout: "pipe", stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, timeoutMs);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (timedOut) throw new Error(`${describe(argv)} did not finish within ${timeoutMs} ms\n${tail(stdout + stderr)}`);
    return { stdout, stderr, exitCode: proc.signalCode ? 128 + signalNumber(String(proc.signalCode)) : exitCode };
  } finally {
    clearTimeout(timer);
  }
}

/** As exec(), but a non-zero exit is an error that shows the command and the end of its output. */
export async function execOk(argv: string[], options: CommandOptions = {}): Promise<Output> {
  const out = await exec(argv, options);
  if (out.exitCode !== 0) throw new Error(`${describe(argv)} failed (exit ${out.exitCode})\n${tail(out.stdout + out.stderr)}`);
  return out;
}

/** The last `lines` lines of some output, for an error message. */
export function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

const describe = (argv: string[]) => `\`${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(" ")}\``;

const signalNumber = (name: string): number => (constants.signals as Record<string, number>)[name] ?? 0;
