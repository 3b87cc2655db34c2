// The terminal as `tsvisor top` takes it: keys read raw (no echo, no line editing, Ctrl-C as a key),
// and, where the terminal can address its cursor, the alternate screen with the cursor hidden, each
// frame drawn over the last. Given back exactly as it was, once, however top ends: q, Ctrl-C, a
// signal, an error, process.exit() from anywhere (the exit handler). TERM=dumb cannot move its cursor:
// there each frame is printed whole below the last, as `top -b` does.
import { writeSync } from "node:fs";

const ENTER_FULL_SCREEN = "\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J";
const LEAVE_FULL_SCREEN = "\u001b[?25h\u001b[?1049l";

export interface Terminal {
  readonly width: number;
  readonly height: number;
  /** Show these lines as the screen; a frame equal to the last one is not written again. */
  draw(lines: readonly string[]): void;
  /** Give the terminal back: raw mode off, the screen and cursor as they were. Idempotent. */
  restore(): void;
}

export function takeTerminal(options: { fullScreen: boolean; onKeys: (text: string) => void; onResize: () => void }): Terminal {
  const { stdin, stdout } = process;
  let restored = false;
  let last = "";
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal is gone (SIGHUP): nothing to give back
    }
    stdin.pause();
    writeAll(options.fullScreen ? LEAVE_FULL_SCREEN : "\r\n");
  };
  // last in line: whatever ends the process, the terminal is given back
  process.on("exit", restore);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.on("data", (text: string) => options.onKeys(text));
  stdin.resume();
  stdout.on("resize", options.onResize);
  if (options.fullScreen) writeAll(ENTER_FULL_SCREEN);
  return {
    get width() {
      return stdout.columns || 80;
    },
    get height() {
      return stdout.rows || 24;
    },
    draw(lines) {
      const frame = options.fullScreen
        ? `\u001b[H${lines.map((l) => `${l}\u001b[K`).join("\r\n")}\u001b[J`
        : `\r\n${lines.join("\r\n")}`;
      if (frame === last || restored) return;
      last = frame;
      writeAll(frame);
    },
    restore,
  };
}

// Written before the call returns, so that the last frame and the restoring sequence are out before
// an exit; a terminal that is slow to take it (EAGAIN on a non-blocking descriptor) is waited for.
function writeAll(text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0, tries = 0; done < bytes.length && tries < 1000; ) {
    try {
      done += writeSync(1, bytes, done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return; // the terminal is gone
      tries++;
      Bun.sleepSync(1);
    }
  }
}
