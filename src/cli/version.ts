import { defineCommand } from "citty";
import { version } from "../../package.json";

export default defineCommand({
  meta: { name: "version", description: "Print tsvisor's version" },
  run() {
    process.stdout.write(`tsvisor ${version}\n`);
  },
});
