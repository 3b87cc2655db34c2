import { defineCommand } from "citty";
import { runDaemon } from "../daemon.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { fail } from "./_exit.ts";

export default defineCommand({
  meta: { name: "run", description: "Run in the foreground and supervise the programs of the config" },
  args: { ...configArgs, ...socketArgs },
  async run({ args }) {
    const code = await runDaemon({ configFile: args.config, socket: args.socket }).catch((error) => fail(error));
    process.exit(code);
  },
});
