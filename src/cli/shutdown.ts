import { defineCommand } from "citty";
import { socketArgs, configArgs, waitArgs } from "./_args.ts";
import { refused, request } from "./_request.ts";

// `tsvisor shutdown`: what SIGTERM does. Waits until the daemon has stopped every program and
// exited (its end of the socket closes then), unless --no-wait.
export default defineCommand({
  meta: { name: "shutdown", description: "Stop every program and exit tsvisor" },
  args: { ...waitArgs, ...socketArgs, ...configArgs },
  async run({ args }) {
    const reply = await request(args, { op: "shutdown" }, { awaitClose: args.wait });
    if (!reply.ok) return refused(reply.error);
    process.stdout.write(args.wait ? "Shut down\n" : "Shutting down\n");
  },
});
