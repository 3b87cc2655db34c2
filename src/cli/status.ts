import { defineCommand } from "citty";
import { configArgs, jsonArgs, socketArgs } from "./_args.ts";
import { wantsColour } from "../colour.ts";
import { renderStatusTable } from "./_render.ts";
import { refused, request } from "./_request.ts";
import { print, stdoutIsTerminal } from "./_stdout.ts";

// `tsvisor status [NAME...]`: a table (colour on a terminal) or --json; exit 0 whatever the states
// are — `check` is the command whose exit code says whether they are fine.
export default defineCommand({
  meta: { name: "status", description: "Show the state of processes" },
  args: { names: { type: "positional", required: false, valueHint: "NAME|GROUP:*", description: "processes (default: all)" }, ...jsonArgs, ...socketArgs, ...configArgs },
  async run({ args }) {
    const reply = await request(args, args._.length > 0 ? { op: "status", names: args._ } : { op: "status" }, { timeoutMs: 10_000 });
    if (!reply.ok) return refused(reply.error);
    const { processes } = reply.result;
    await print(args.json ? `${JSON.stringify({ processes })}\n` : renderStatusTable(processes, Date.now(), wantsColour({ isTTY: stdoutIsTerminal() })));
  },
});
