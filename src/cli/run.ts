import { defineCommand } from "citty";
import { TsvisorError } from "../errors.ts";
import { runWithGcTimerOff } from "../os/gc-timer-off.ts";
import { inheritedFds } from "../os/inherited-fds.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { fail } from "./_exit.ts";

const USAGE_HINT = "usage: tsvisor run [-c FILE] [--socket PATH] [-- CMD [ARGS...]]";

export default defineCommand({
  meta: { name: "run", description: "Run in the foreground and supervise the programs of the config; with -- CMD, run CMD beside them as the main process" },
  args: { ...configArgs, ...socketArgs },
  async run({ args, rawArgs }) {
    const command = commandAfterDashes(rawArgs, args._);
    // Returns in the process that goes on (the same pid): from here on, with Bun's idle GC timer off.
    runWithGcTimerOff();
    // The descriptors tsvisor inherited are CMD's (socket activation, as in init mode): told from Bun's
    // own before daemon.ts loads, as its logger's import makes Bun duplicate stdout and stderr.
    if (command !== undefined) inheritedFds();
    const { runDaemon } = await import("../daemon.ts");
    const code = await runDaemon({ configFile: args.config, socket: args.socket, command }).catch((error) => fail(error));
    process.exit(code);
  },
});

// `run -c x -- sh -c 'exit 3'` -> ["sh", "-c", "exit 3"]; undefined without `--`. Anything else left
// over is a usage error: `docker run IMAGE sh` under ENTRYPOINT ["tsvisor", "run"] must not be
// silently dropped (it used to be, and the config's programs ran forever).
function commandAfterDashes(rawArgs: readonly string[], positionals: readonly string[]): string[] | undefined {
  const dashes = rawArgs.indexOf("--");
  const command = dashes === -1 ? undefined : rawArgs.slice(dashes + 1);
  const stray = positionals.slice(0, positionals.length - (command?.length ?? 0));
  if (stray.length > 0) {
    fail(new TsvisorError("USAGE", `unexpected argument ${JSON.stringify(stray[0])}`, `to run a command beside the programs, put it after --: ${USAGE_HINT}`));
  }
  if (command !== undefined && command.length === 0) fail(new TsvisorError("USAGE", "missing CMD after --", USAGE_HINT));
  return command;
}
