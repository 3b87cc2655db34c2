import { defineCommand } from "citty";
import { configArgs, jsonArgs, socketArgs } from "./_args.ts";
import { refused, request } from "./_request.ts";

// `tsvisor reload`: what SIGHUP does — re-read the config and apply the difference — with the
// difference printed (supervisorctl update's "web: added process group").
export default defineCommand({
  meta: { name: "reload", description: "Re-read the config and apply what changed" },
  args: { ...jsonArgs, ...socketArgs, ...configArgs },
  async run({ args }) {
    const reply = await request(args, { op: "reload" });
    if (!reply.ok) return refused(reply.error);
    const { added, removed, changed } = reply.result;
    if (args.json) return void process.stdout.write(`${JSON.stringify(reply.result)}\n`);
    const lines = [...added.map((n) => `${n}: added`), ...changed.map((n) => `${n}: changed`), ...removed.map((n) => `${n}: removed`)];
    process.stdout.write(lines.length > 0 ? `${lines.join("\n")}\n` : "no changes\n");
  },
});
