import { defineCommand } from "citty";
import { version } from "../../package.json";
import { sendRequest } from "../control/client.ts";
import { configArgs, socketArgs } from "./_args.ts";
import { findSocket } from "./_request.ts";

// `tsvisor version`: this binary's version, then the running daemon's when one answers. Exit 0
// either way: the client's version is always known (a Dockerfile's `RUN tsvisor version` has no daemon).
export default defineCommand({
  meta: { name: "version", description: "Print tsvisor's version and the running daemon's" },
  args: { ...socketArgs, ...configArgs },
  async run({ args }) {
    process.stdout.write(`tsvisor ${version}\n`);
    const daemon = await describeDaemon(args);
    process.stdout.write(`daemon: ${daemon}\n`);
  },
});

async function describeDaemon(args: { socket?: string; config?: string }): Promise<string> {
  let socket: string;
  try {
    socket = await findSocket(args);
  } catch (error) {
    return `unknown (${(error as Error).message.split("\n")[0]})`;
  }
  try {
    const reply = await sendRequest(socket, { op: "version" }, { timeoutMs: 2000 });
    if (!reply.ok) return `at ${socket} refused the request (${reply.error.code})`;
    return `tsvisor ${reply.result.version} (pid ${reply.result.pid}, protocol ${reply.result.protocol}, socket ${socket})`;
  } catch (error) {
    return `not reachable (${(error as Error).message})`;
  }
}
