// tsvisor's own stdout and stderr as shared outputs for every program's mirrored lines and for
// tsvisor's own log lines. Each write is whole lines and goes through the one Node stream in order,
// so lines of different programs never interleave mid-line. A reader that falls behind (a stuck
// `docker logs` pipe) never blocks anything: past a cap of unwritten bytes, program lines are dropped
// and counted instead.
import { prefixLines, toLatin1 } from "./prefix-lines.ts";
import { countLines } from "./line-splitter.ts";
import type { TroubleEvent } from "./rotating-file.ts";

/** Unwritten bytes above which program lines are dropped rather than queued. */
export const CONSOLE_BACKLOG_BYTES = 8 * 1024 * 1024;

export class ConsoleOutput {
  private pending = 0;
  private broken = false;
  private idle: (() => void)[] = [];

  constructor(private readonly stream: NodeJS.WritableStream, private readonly capBytes = CONSOLE_BACKLOG_BYTES) {
    // EPIPE once nobody reads tsvisor's output any more must not bring the supervisor down.
    stream.on("error", () => {
      this.broken = true;
      this.settle(this.pending);
    });
  }

  /**
   * Write whole lines. Returns false, writing nothing, when the reader is more than capBytes behind;
   * `keep` writes anyway (tsvisor's own lines, which are few).
   */
  write(data: Uint8Array | string, keep = false): boolean {
    if (this.broken) return keep;
    const size = data.length;
    if (!keep && this.pending + size > this.capBytes) return false;
    this.pending += size;
    this.stream.write(data, () => this.settle(size));
    return true;
  }

  /** Resolves when everything written so far is out, or after timeoutMs (a reader that is gone). */
  flush(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private settle(size: number): void {
    this.pending -= size;
    if (this.pending > 0) return;
    this.pending = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

let stdout: ConsoleOutput | undefined;
let stderr: ConsoleOutput | undefined;

/** tsvisor's stdout, shared by every mirrored program stdout (and stderr with redirect_stderr). */
export function consoleStdout(): ConsoleOutput {
  return (stdout ??= new ConsoleOutput(process.stdout));
}

/** tsvisor's stderr, shared by every mirrored program stderr and by tsvisor's own log lines. */
export function consoleStderr(): ConsoleOutput {
  return (stderr ??= new ConsoleOutput(process.stderr));
}

/** Wait (at most timeoutMs) until tsvisor's stdout and stderr have taken every line: call before exiting. */
export async function flushConsole(timeoutMs: number): Promise<void> {
  await Promise.all([stdout?.flush(timeoutMs), stderr?.flush(timeoutMs)]);
}

/** One program stream mirrored to a console output, every line prefixed "name | ". */
export class ConsoleMirror {
  private readonly prefix: string;
  private droppedSinceTrouble: number | null = null;
  /** Lines dropped because the console reader was too far behind. */
  droppedLines = 0;

  constructor(name: string, private readonly output: ConsoleOutput, private readonly onTrouble?: (event: TroubleEvent) => void) {
    this.prefix = `${name} | `;
  }

  /** Mirror a piece from the LineSplitter; a piece that ends mid-line (an overlong line) is ended here. */
  write(piece: Uint8Array): void {
    const text = prefixLines(toLatin1(piece), this.prefix, true);
    // Bun's stream.write(text, "latin1") writes UTF-8: the bytes must be made here
    if (this.output.write(Buffer.from(text.endsWith("\n") ? text : `${text}\n`, "latin1"))) {
      if (this.droppedSinceTrouble === null) return;
      this.onTrouble?.({ type: "recovered", droppedLines: this.droppedSinceTrouble });
      this.droppedSinceTrouble = null;
      return;
    }
    const lines = countLines(piece);
    this.droppedLines += lines;
    if (this.droppedSinceTrouble === null) {
      this.droppedSinceTrouble = 0;
      this.onTrouble?.({ type: "failing", reason: "the console's reader is too far behind" });
    }
    this.droppedSinceTrouble += lines;
  }
}
