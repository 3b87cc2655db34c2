import { TsvisorError } from "../errors.ts";
import { forStderr } from "../logs/journal-format.ts";

/** tsvisor's exit codes, the same for every command (README "Exit codes"). */
export const EXIT = {
  /** Everything asked for is ok. */
  OK: 0,
  /** The thing asked about is not ok (a check failed, a start failed, `events -f` was dropped for falling behind). */
  NOT_OK: 1,
  /** Usage or config error, or the daemon cannot be reached. */
  USAGE: 2,
  /** The reader of stdout went away (`tsvisor status | head -1`): 128 + SIGPIPE, as a shell reports it. */
  BROKEN_PIPE: 141,
} as const;

// Print an expected error the way users read it (no stack) and exit; the only process.exit for errors.
export function fail(error: unknown, code: number = EXIT.USAGE): never {
  if (error instanceof TsvisorError) {
    printError(error);
    process.exit(code);
  }
  throw error;
}

// As fail(), but the process ends on its own, once what it wrote to stdout is out (a pipe gets all of it).
export function failAfterOutput(error: TsvisorError, code: number): void {
  printError(error);
  process.exitCode = code;
}

function printError(error: TsvisorError): void {
  // Under a unit (ExecStart=, ExecReload=) every line reaches the journal at error priority.
  process.stderr.write(forStderr(`tsvisor: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ""}`));
}
