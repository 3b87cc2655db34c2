// Keeps DESIGN.md's dependency rule (STYLE.md B3) by reading every import in src/.
// `import type` counts as an edge. An exception goes into ALLOWED_EXCEPTIONS with its reason.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../src");
const files = [...new Bun.Glob("**/*.ts").scanSync(SRC)].sort();

// Every import specifier of a file: relative ones as paths under src/ ("os/spawn.ts"), packages as is.
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const patterns = [
    /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/gm, // import x from "y", export { x } from "y"
    /^\s*import\s*["']([^"']+)["']/gm, // import "y" (side effects)
    /\bimport\(\s*["']([^"']+)["']\s*\)/g, // import("y")
  ];
  const specifiers = patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]!));
  return specifiers.map((s) => (s.startsWith(".") ? relative(SRC, resolve(SRC, dirname(file), s)) : s));
}

const PURE_SUPERVISOR = ["supervisor/machine.ts", "supervisor/backoff.ts", "supervisor/order.ts", "supervisor/reload-diff.ts", "supervisor/exit-status.ts", "supervisor/operator.ts", "supervisor/usage.ts"];
// systemd/'s decisions: pure like the machine, so they are tested without a socket or a clock.
const PURE_SYSTEMD = ["systemd/notify-socket.ts", "systemd/notify-message.ts", "systemd/watchdog.ts", "systemd/status-summary.ts", "systemd/readiness.ts", "systemd/child-environment.ts"];
// health/'s decision: pure like the machine (results and time arrive as arguments).
const PURE_HEALTH = ["health/health-state.ts"];
const LEAVES = ["supervisor/states.ts", "control/protocol.ts", "config/schema.ts", "errors.ts"];

// Which imports each file may have: a list of allowed prefixes, first matching rule wins.
const RULES: [match: (file: string) => boolean, allowed: string[]][] = [
  [(f) => LEAVES.includes(f), []],
  [(f) => PURE_SUPERVISOR.includes(f), ["supervisor/states.ts", "config/schema.ts", ...PURE_SUPERVISOR]],
  [(f) => PURE_HEALTH.includes(f), ["config/schema.ts"]],
  // health/ runs probes (a command probe is spawned as the program is, through os/spawn.ts) and knows nothing of the supervisor.
  [(f) => f.startsWith("health/"), ["health/", "config/schema.ts", "os/spawn.ts", "os/kill.ts", "errors.ts", "node:", "bun"]],
  [(f) => f.startsWith("os/"), ["errors.ts", "os/", "node:", "bun"]],
  // logs/ reads pipes when os/fd-watcher.ts says they have data, makes tsvisor's stdout/stderr
  // non-blocking (os/pipe.ts) and dlopens libc (os/libc-path.ts): fd mechanics that know nothing of programs.
  [(f) => f.startsWith("logs/"), ["errors.ts", "logs/", "os/pipe.ts", "os/fd-watcher.ts", "os/libc-path.ts", "consola", "node:", "bun"]],
  [(f) => f.startsWith("config/"), ["errors.ts", "config/", "os/signals.ts", "os/users.ts", "smol-toml", "node:", "bun"]],
  // Type-only imports of os/datagram-socket.ts (UnixAddress) and supervisor/states.ts load nothing.
  [(f) => PURE_SYSTEMD.includes(f), ["systemd/", "os/datagram-socket.ts", "supervisor/states.ts", "errors.ts"]],
  // notifier.ts sees the supervisor through a structural interface, so it never imports supervisor.ts.
  [(f) => f.startsWith("systemd/"), ["systemd/", "os/", "supervisor/states.ts", "errors.ts", "consola", "node:", "bun"]],
  [(f) => f.startsWith("supervisor/"), ["supervisor/", "os/", "logs/", "health/", "config/schema.ts", "errors.ts", "consola", "node:"]],
  [(f) => f === "control/client.ts", ["control/protocol.ts", "errors.ts", "node:", "bun"]],
  [(f) => f.startsWith("control/"), ["control/", "supervisor/", "config/schema.ts", "errors.ts", "node:", "bun"]],
  [(f) => f === "cli/run.ts" || f === "cli/init-mode.ts", ["daemon.ts", "cli/", "citty"]],
  // cli/logs.ts reads log files itself when no daemon runs: logs/tail.ts is the one piece of logs/ a client needs.
  [(f) => f.startsWith("cli/"), ["cli/", "control/client.ts", "control/protocol.ts", "config/", "errors.ts", "supervisor/states.ts", "supervisor/exit-status.ts", "logs/tail.ts", "citty", "node:", "../package.json"]],
  [(f) => f === "daemon.ts", ["config/", "supervisor/", "os/", "logs/", "control/", "systemd/", "errors.ts", "node:", "../package.json"]],
  [(f) => f === "main.ts", ["cli/"]],
];

describe("every file in src/ imports only what the dependency rule allows", () => {
  test.each(files)("%s", (file) => {
    const rule = RULES.find(([match]) => match(file));
    expect(rule ? "has a rule" : `no rule covers ${file}: add one to test/architecture.test.ts`).toBe("has a rule");
    const forbidden = importsOf(file).filter((spec) => !rule![1].some((prefix) => spec === prefix || spec.startsWith(prefix)));
    expect(forbidden).toEqual([]);
  });
});

test("the pure supervisor files read no clock and arm no timer: time arrives as `now`", () => {
  const offenders = [...PURE_SUPERVISOR, ...PURE_SYSTEMD, ...PURE_HEALTH].filter((f) => files.includes(f)).filter((f) =>
    /\bDate\.now\(|\bsetTimeout\(|\bsetInterval\(|\bperformance\.now\(/.test(readFileSync(join(SRC, f), "utf8")),
  );
  expect(offenders).toEqual([]);
});
