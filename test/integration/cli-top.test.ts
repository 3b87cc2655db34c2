// `tsvisor top` on a real terminal: tmux (installed by scripts/ensure-debian-packages.sh) runs a shell
// on a pseudo-terminal of a given size, the test types into it (send-keys) and reads the screen
// (capture-pane), against the compiled tsvisor and real programs: the rows, sorting, a restart from the
// keyboard that shows the new pid, the log pane, colour rules, and quitting (q, Ctrl-C, SIGTERM) with
// the shell's screen and terminal modes given back as they were.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Daemon, FIXTURES, TSVISOR, runTsvisor, tempDir, waitFor } from "./_harness.ts";

const ensured = Bun.spawnSync(["bash", join(import.meta.dir, "../../scripts/ensure-debian-packages.sh"), "tmux"], { stderr: "pipe" });
if (!ensured.success) throw new Error(`cannot install tmux (script): ${ensured.stderr.toString()}`);

// big holds 40 MB, so it tops the memory order; ticker writes "tick N" every 100 ms.
const CONFIG = `
[supervisor]
sample_interval = "200ms"

[programs.web]
command = ["sleep", "1000"]
startsecs = 0

[programs.big]
command = ${JSON.stringify([process.execPath, join(FIXTURES, "memory-fixture.ts"), "40", "1", "0"])}
startsecs = 0

[programs.ticker]
command = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo \\"tick $i\\"; sleep 0.1; done"]
startsecs = 0
`;

/** A tmux server of the test's own (its socket in the test's directory) with one shell, `width` x `height`. */
class Tmux implements Disposable {
  private constructor(private readonly socket: string) {}

  static start(dir: string, width: number, height: number, env: Record<string, string> = {}): Tmux {
    const tmux = new Tmux(join(dir, "tmux.sock"));
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NO_COLOR" && k !== "TMUX")) as Record<string, string>;
    tmux.run(["new-session", "-d", "-x", String(width), "-y", String(height), "sh"], { ...base, PS1: "$ ", ...env });
    return tmux;
  }

  run(args: string[], env?: Record<string, string>): string {
    const r = Bun.spawnSync(["tmux", "-S", this.socket, ...args], { env: env ?? process.env, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
    return r.stdout.toString();
  }

  /** Type `text` and Enter into the shell. */
  type(text: string): void {
    this.run(["send-keys", "-l", text]);
    this.run(["send-keys", "Enter"]);
  }

  /** Press keys by tmux's names: "q", "Down", "C-c". */
  press(...keys: string[]): void {
    this.run(["send-keys", ...keys]);
  }

  /** The screen as text, lines the terminal wrapped joined; with `escapes`, with the colour and style sequences of its cells. */
  screen(escapes = false): string {
    return this.run(["capture-pane", "-p", "-J", ...(escapes ? ["-e"] : [])]);
  }

  /** Wait until the screen satisfies `match`; returns the screen. */
  waitForScreen(match: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string> {
    let last = "";
    return waitFor(() => {
      last = this.screen();
      return match(last) && last;
    }, `${what}; the screen:\n${last}`, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}\n--- screen now:\n${this.screen()}`);
    });
  }

  /** Whether the terminal shows its cursor (top hides it while it runs). */
  cursorShown(): boolean {
    return this.run(["display-message", "-p", "#{cursor_flag}"]).trim() === "1";
  }

  /** The pid of what runs in the shell (the command in front). */
  foregroundPid(): number {
    const shell = Number(this.run(["display-message", "-p", "#{pane_pid}"]).trim());
    return Number(Bun.spawnSync(["ps", "-o", "pid=", "--ppid", String(shell)]).stdout.toString().trim().split("\n")[0]);
  }

  [Symbol.dispose](): void {
    Bun.spawnSync(["tmux", "-S", this.socket, "kill-server"]);
  }
}

// The shell's terminal modes as `stty -a` shows two of them: line editing and echo, both on at a prompt.
async function terminalModes(tmux: Tmux): Promise<string> {
  tmux.type("stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon\\|-\\?echo' | tr '\\n' ' '; echo modes-shown");
  const answer = /^(-?icanon -?echo) modes-shown$/m;
  const screen = await tmux.waitForScreen((s) => answer.test(s), "stty's answer");
  return answer.exec(screen)![1]!;
}

async function started(daemon: Daemon): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const name of ["web", "big", "ticker"]) pids[name] = await waitFor(async () => (await daemon.status(name))?.pid ?? undefined, `${name} to run`);
  await waitFor(async () => ((await daemon.status("big"))?.pss_bytes ?? 0) > 30 * 1024 * 1024, "big to hold its memory");
  return pids;
}

// Start top in the shell and wait for its three rows; `prefix`: variables or options for it.
async function runTop(tmux: Tmux, daemon: Daemon, prefix = "", options = ""): Promise<string> {
  tmux.type(`TSVISOR_SOCKET=${daemon.socket} ${prefix}${TSVISOR} top -d 0.5 ${options}; echo "top exited $?"`);
  return tmux.waitForScreen((s) => Object.keys(rowsOf(s)).length === 3 && s.includes("q quit"), "top's three rows and its keys");
}

// A daemon running CONFIG's programs, and a shell in a `width` x `height` terminal beside it.
async function setUp(dir: string, width: number, height: number) {
  const daemon = Daemon.start(dir, CONFIG);
  const pids = await started(daemon);
  const tmux = Tmux.start(dir, width, height);
  return { daemon, pids, tmux, [Symbol.asyncDispose]: async () => { tmux[Symbol.dispose](); await daemon[Symbol.asyncDispose](); } };
}

// The rows of top's screen: name -> the words of its row.
const rowsOf = (screen: string) =>
  Object.fromEntries(screen.split("\n").filter((l) => /^[ >](web|big|ticker) /.test(l)).map((l) => [l.slice(1).split(/\s+/)[0]!, l.slice(1).trim().split(/\s+/)]));

test("top shows a row per process; o sorts by memory; a restart from the keyboard shows the new pid; q gives the screen back", async () => {
  using dir = tempDir();
  await using setup = await setUp(dir.path, 100, 30);
  const { daemon, pids, tmux } = setup;
  tmux.type("echo before-top");
  const screen = await runTop(tmux, daemon);
  expect(screen).toMatch(/^tsvisor top · 3 processes: 3 RUNNING /);
  const rows = rowsOf(screen);
  // name, state, pid, in config order, and the selection on the first
  expect(Object.entries(rows).map(([name, words]) => [name, words[1], Number(words[2])])).toEqual([["web", "RUNNING", pids.web], ["big", "RUNNING", pids.big], ["ticker", "RUNNING", pids.ticker]]);
  expect(screen).toContain(">web ");
  expect(screen).toMatch(/── events ─/);
  expect(tmux.cursorShown()).toBe(false);

  tmux.press("o", "o", "o"); // config -> name -> cpu -> memory
  const sorted = await tmux.waitForScreen((s) => s.includes("sort: memory"), "the memory order");
  expect(Object.keys(rowsOf(sorted))[0]).toBe("big");

  // pick web with the filter, restart it, answering the question
  tmux.press("/", "w", "e", "b", "Enter");
  await tmux.waitForScreen((s) => Object.keys(rowsOf(s)).join() === "web" && s.includes(">web "), "web alone, selected");
  tmux.press("r");
  await tmux.waitForScreen((s) => s.trimEnd().endsWith("restart web? [y/N]"), "the question");
  tmux.press("y");
  const newPid = await waitFor(async () => {
    const pid = (await daemon.status("web"))?.pid;
    return pid !== pids.web && pid;
  }, "web to run under a new pid");
  const after = await tmux.waitForScreen((s) => rowsOf(s).web?.[2] === String(newPid), `web's new pid ${newPid} on the screen`);
  expect(after).toContain("web: restarted");

  tmux.press("q");
  const back = await tmux.waitForScreen((s) => s.includes("top exited 0"), "top to exit");
  // the alternate screen is gone: the shell's screen as it was, top's nowhere
  expect([back.includes("before-top"), back.includes("tsvisor top ·"), tmux.cursorShown()]).toEqual([true, false, true]);
  expect(await terminalModes(tmux)).toBe("icanon echo");
});

test("Ctrl-C and SIGTERM quit too, each giving the terminal back", async () => {
  using dir = tempDir();
  await using setup = await setUp(dir.path, 80, 24);
  const { daemon, tmux } = setup;
  await runTop(tmux, daemon);
  tmux.press("C-c");
  await tmux.waitForScreen((s) => s.includes("top exited 0"), "top to exit on Ctrl-C");
  expect(await terminalModes(tmux)).toBe("icanon echo");

  tmux.type("clear");
  await runTop(tmux, daemon);
  process.kill(tmux.foregroundPid(), "SIGTERM");
  await tmux.waitForScreen((s) => s.includes("top exited 143"), "top to exit on SIGTERM, as a shell reports it");
  expect(await terminalModes(tmux)).toBe("icanon echo");
});

test("l follows the selected process's log in the pane, as tsvisor logs -f does", async () => {
  using dir = tempDir();
  await using setup = await setUp(dir.path, 100, 30);
  const { daemon, tmux } = setup;
  await runTop(tmux, daemon, "", `-c ${join(dir.path, "tsvisor.toml")}`);
  tmux.press("End", "l");
  const ticks = (s: string) => [...s.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1]));
  const first = await tmux.waitForScreen((s) => s.includes("log of ticker (stdout, following") && ticks(s).length > 3, "ticker's lines in the pane");
  const last = ticks(first).at(-1)!;
  const later = await tmux.waitForScreen((s) => (ticks(s).at(-1) ?? 0) > last + 3, "newer lines");
  const shown = ticks(later);
  expect(shown).toEqual(shown.map((_, i) => shown[0]! + i)); // in order, none missing
  tmux.press("q");
  await tmux.waitForScreen((s) => s.includes("top exited 0"), "top to exit");
});

test.each([
  ["NO_COLOR=1", "no colour, bold and reverse video still", (escapes: string) => !/\u001b\[3[0-7]m/.test(escapes) && escapes.includes("\u001b[7m")],
  ["TERM=dumb", "no escape sequence at all, each frame printed below the last", (escapes: string) => !escapes.includes("\u001b")],
])("at 80x24 with %s: %s, every line within 80 columns", async (env, _what, check) => {
  using dir = tempDir();
  await using setup = await setUp(dir.path, 80, 24);
  const { daemon, tmux } = setup;
  await runTop(tmux, daemon, `${env} `);
  const escapes = tmux.screen(true);
  expect(check(escapes)).toBe(true);
  // every line of the frame fits: the keys' line is the screen's last, nothing wrapped below it
  const lines = tmux.screen().split("\n").filter(Boolean);
  expect(lines.at(-1)).toBe("↑↓ select  s start  x stop  r restart  l log  o sort  / filter  q quit");
  tmux.press("q");
  await tmux.waitForScreen((s) => s.includes("top exited 0"), "top to exit");
});

test("without a terminal top says what to use instead; without a daemon it says so before taking the screen (exit 2)", async () => {
  using dir = tempDir();
  const noTerminal = await runTsvisor(["top"], { env: { TSVISOR_SOCKET: join(dir.path, "none.sock") } });
  expect([noTerminal.exitCode, noTerminal.stderr]).toEqual([2, "tsvisor: tsvisor top needs a terminal for its input and output\nhint: in a script, use tsvisor status --json or tsvisor events -f\n"]);
  using tmux = Tmux.start(dir.path, 80, 24);
  tmux.type(`TSVISOR_SOCKET=${join(dir.path, "none.sock")} ${TSVISOR} top; echo "top exited $?"`);
  const screen = await tmux.waitForScreen((s) => s.includes("top exited 2"), "top to give up");
  expect(screen).toContain(`tsvisor: cannot reach tsvisor at ${join(dir.path, "none.sock")}: no such socket`);
});
