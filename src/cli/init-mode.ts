// `tsvisor [-g] -- CMD [ARGS...]`: init mode (docs/init.md). Parsed here rather than by citty, so that
// CMD's own arguments are never taken for tsvisor's.
import { FOREGROUND_HELPER_FLAG } from "../os/foreground-child.ts";
import { inheritedFds } from "../os/inherited-fds.ts";
import { EXIT } from "./_exit.ts";

const USAGE = "usage: tsvisor [-g] -- CMD [ARGS...]\n  -g  forward signals to CMD's whole process group (tini -g)\n";

// `--` or `-g --` first: init mode; the helper flag first: the helper between fork and CMD.
export function isInitModeArgs(rawArgs: readonly string[]): boolean {
  return rawArgs[0] === "--" || rawArgs[0] === FOREGROUND_HELPER_FLAG || (rawArgs[0] === "-g" && rawArgs[1] === "--");
}

export async function runInitMode(rawArgs: string[]): Promise<never> {
  // The descriptors tsvisor inherited are CMD's. They are told from Bun's own before init.ts loads:
  // its logger's import makes Bun duplicate stdout and stderr (os/inherited-fds.ts).
  inheritedFds();
  const { exitInit, runInit, runInitChild } = await import("../init.ts");
  if (rawArgs[0] === FOREGROUND_HELPER_FLAG) process.exit(runInitChild(rawArgs.slice(1)));
  const group = rawArgs[0] === "-g";
  const argv = rawArgs.slice(rawArgs.indexOf("--") + 1);
  if (argv.length === 0) {
    process.stderr.write(`tsvisor: missing CMD after --\n${USAGE}`);
    process.exit(EXIT.USAGE);
  }
  return exitInit(await runInit({ argv, group }));
}
