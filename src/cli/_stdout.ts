// What `check` and `status` print, written without process.stdout. Bun builds that Node stream (and
// node:tty behind its isTTY) on first use: ~8–11 MiB and ~20 ms, more than the rest of a health
// probe that runs every few seconds (docs/performance.md). Bun.write on Bun.stdout writes the whole
// text, waiting on a slow or non-blocking pipe, and rejects with EPIPE when the reader went away.
import { EXIT } from "./_exit.ts";

/** Write `text` to stdout; a reader that went away (`tsvisor status | head -1`) ends the command with 141. */
export async function print(text: string): Promise<void> {
  try {
    await Bun.write(Bun.stdout, text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPIPE") process.exit(EXIT.BROKEN_PIPE);
    throw error;
  }
}

/** Whether stdout is a terminal (for colour), as process.stdout.isTTY says, without building the stream. */
export function stdoutIsTerminal(): boolean {
  // Bun's tty_wrap binding is isatty(3) itself (~0.4 MiB; dlopen()ing libc for it cost ~2 MiB, its
  // trampolines are compiled at run time); a Bun without it gets the stream's answer
  const ttyWrap = (process as unknown as { binding?: (name: string) => { isTTY?: (fd: number) => boolean } }).binding?.("tty_wrap");
  return typeof ttyWrap?.isTTY === "function" ? ttyWrap.isTTY(1) : Boolean(process.stdout.isTTY);
}
