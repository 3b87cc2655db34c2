// `npm run soak`: the reliability suite (soak/*.soak.ts, kept out of `npm test`), run by bun test with
// SOAK_SECONDS shared among its parts: chaos, config fuzzing, socket and HTTP fuzzing, HTTP connection
// floods, file descriptor exhaustion, disk full / log directory removed, SIGKILL inside and outside a
// PID namespace, a program swapping its log for links.
//   npm run soak                 ~10 minutes
//   npm run soak -- --short      ~1-2 minutes (CI)
//   npm run soak -- --seconds N  another length
import { readdirSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const secondsArg = args.indexOf("--seconds");
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : args.includes("--short") ? 60 : 600;
// The chaos writer is a Python script (python3-minimal, also what supervisord runs on).
const ensure = Bun.spawnSync(["bash", join(import.meta.dir, "../scripts/ensure-debian-packages.sh"), "python3-minimal"], { stdout: "inherit", stderr: "inherit" });
if (ensure.exitCode !== 0) process.exit(ensure.exitCode ?? 1);
const files = readdirSync(import.meta.dir).filter((f) => f.endsWith(".soak.ts")).sort().map((f) => `./soak/${f}`);
const proc = Bun.spawnSync([process.execPath, "test", "--timeout", String((seconds + 120) * 1000), ...files], {
  cwd: join(import.meta.dir, ".."), env: { ...process.env, SOAK_SECONDS: String(seconds) }, stdout: "inherit", stderr: "inherit",
});
process.exit(proc.exitCode ?? 1);
