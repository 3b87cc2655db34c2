// What `check` and `status` print, written without process.stdout. Bun builds that Node stream (and
// node:tty behind its isTTY) on first use: ~8–11 MiB and ~20 ms, more than the rest of a health
// probe that runs every few seconds (docs/performance.md). Bun.write on Bun.stdout writes the whole
// text, waiting on a slow or non-blocking pipe, and rejects with EPIPE when the reader went away:
// runCli's broken-pipe rule (cli/_run-cli.ts) turns that into exit 141, as for every command.

/** Write `text` to stdout. */
export async function print(text: string): Promise<void> {
  await Bun.write(Bun.stdout, text);
}

/** Whether stdout is a terminal (for colour), as process.stdout.isTTY says, without building the stream. */
export function stdoutIsTerminal(): boolean {
  // Bun's tty_wrap binding is isatty(3) itself (~0.4 MiB; dlopen()ing libc for it cost ~2 MiB, its
  // trampolines are compiled at run time); a Bun without it gets the stream's answer
  const ttyWrap = (process as unknown as { binding?: (name: string) => { isTTY?: (fd: number) => boolean } }).binding?.("tty_wrap");
  return typeof ttyWrap?.isTTY === "function" ? ttyWrap.isTTY(1) : Boolean(process.stdout.isTTY);
}
