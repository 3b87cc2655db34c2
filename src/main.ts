// The entry: init mode (`tsvisor [-g] -- CMD`, docs/init.md) or one of the CLI's commands. Init mode
// is told apart before the CLI's modules load (citty, the command table, the usage and suggestion
// code): a container's PID 1 in front of one program starts with its own modules only, and each
// module is pages of the executable to fault in (docs/performance.md, "`tsvisor -- CMD`").

// What init mode's arguments start with (init-mode.ts isInitModeArgs() decides): `--`, `-g --`, and
// the flag of init mode's own helper process.
const INIT_MODE_FIRST_ARGS = ["--", "-g", "--internal-init-child"];

async function main(args: string[]): Promise<void> {
  // `tsvisor [-g] -- CMD ...` bypasses citty: CMD's arguments are CMD's, whatever they look like.
  // Init mode's modules load only when the first argument can start it: `tsvisor check`, run every
  // few seconds by probes, must not pay for them (~15 ms, bench/RESULTS.md).
  if (args[0] !== undefined && INIT_MODE_FIRST_ARGS.includes(args[0])) {
    const initMode = await import("./cli/init-mode.ts");
    if (initMode.isInitModeArgs(args)) return initMode.runInitMode(args);
  }
  const [{ runCli }, { root }] = await Promise.all([import("./cli/_run-cli.ts"), import("./cli/index.ts")]);
  return runCli(root, args);
}

await main(process.argv.slice(2));

export {}; // no static imports (that is the point), so this marks the file an ES module for the await above
