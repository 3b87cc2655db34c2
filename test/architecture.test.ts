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

const PURE_SUPERVISOR = ["supervisor/machine.ts", "supervisor/machine-steps.ts", "supervisor/backoff.ts", "supervisor/order.ts", "supervisor/reload-diff.ts", "supervisor/exit-status.ts", "supervisor/operator.ts",
  "supervisor/critical.ts", "supervisor/usage.ts", "supervisor/state-graph.ts", "supervisor/history.ts",
];
// systemd/'s decisions: pure like the machine, so they are tested without a socket or a clock.
const PURE_SYSTEMD = ["systemd/notify-socket.ts", "systemd/notify-message.ts", "systemd/watchdog.ts", "systemd/status-summary.ts", "systemd/readiness.ts", "systemd/child-environment.ts"];
// plural.ts: counts in words ("1 log file"), for the supervisor's, the log writer's and the CLI's messages alike.
const LEAVES = ["supervisor/states.ts", "control/protocol.ts", "config/schema.ts", "errors.ts", "events/event-types.ts", "colour.ts", "plural.ts"];
// events/'s decisions: what an event is, how a supervisord listener reads it and a hook command's variables; pure like the machine.
const PURE_EVENTS = ["events/event.ts", "events/event-bus.ts", "events/listener-protocol.ts", "events/hook-environment.ts"];
// health/'s decision: pure like the machine (results and time arrive as arguments).
const PURE_HEALTH = ["health/health-state.ts"];
// http/'s decisions: which endpoint, who may ask, which status, what /metrics says; tested without a server.
const PURE_HTTP = ["http/routes.ts", "http/request-guard.ts", "http/basic-auth.ts", "http/status-codes.ts", "http/metrics.ts"];

// Which imports each file may have: a list of allowed prefixes, first matching rule wins.
const RULES: [match: (file: string) => boolean, allowed: string[]][] = [
  [(f) => LEAVES.includes(f), []],
  [(f) => PURE_SUPERVISOR.includes(f), ["supervisor/states.ts", "config/schema.ts", "plural.ts", ...PURE_SUPERVISOR]],
  [(f) => PURE_HEALTH.includes(f), ["config/schema.ts"]],
  // health/ runs probes (a command probe is spawned as the program is, through os/spawn.ts) and knows nothing of the supervisor;
  // its timers, like every timer with a delay from the config, go through os/long-timer.ts.
  [(f) => f.startsWith("health/"), ["health/", "config/schema.ts", "os/spawn.ts", "os/kill.ts", "os/long-timer.ts", "errors.ts", "node:", "bun"]],
  [(f) => f.startsWith("os/"), ["errors.ts", "os/", "node:", "bun"]],
  // logs/ reads pipes when os/fd-watcher.ts says they have data, makes tsvisor's stdout/stderr
  // non-blocking (os/pipe.ts) and compiles its C helper (os/tiny-cc.ts): fd and FFI mechanics that
  // know nothing of programs; it opens, renames and reads its files only through os/safe-open.ts (no
  // link followed as root), and holds a dropped backup open only while descriptors are not short (os/fd-budget.ts).
  // log-dir-lock.ts takes log_dir's flock (os/file-lock.ts) and names a lock file's owner (os/users.ts).
  [(f) => f.startsWith("logs/"), ["errors.ts", "colour.ts", "plural.ts", "logs/", "os/pipe.ts", "os/fd-watcher.ts", "os/tiny-cc.ts", "os/safe-open.ts", "os/fd-budget.ts", "os/file-lock.ts", "os/users.ts", "consola", "node:", "bun"]],
  // config/ checks the event names of [[hooks]] and [eventlisteners.*] against the leaf that lists them,
  // and picks the default socket and log_dir among places it can write (os/private-dir.ts asks the kernel).
  [(f) => f.startsWith("config/"), ["errors.ts", "config/", "os/signals.ts", "os/users.ts", "os/private-dir.ts", "os/safe-open.ts", "events/event-types.ts", "smol-toml", "node:", "bun"]],
  // event.ts reads the supervisor's Transition through a type import, which loads nothing.
  [(f) => PURE_EVENTS.includes(f), ["events/", "supervisor/states.ts", "supervisor/backoff.ts", "supervisor/exit-status.ts", "supervisor/supervisor.ts"]],
  // monitoring.ts sees the supervisor's onTransition() through a type import; hooks and listeners spawn through os/;
  // the TICK events are due on the wall clock's multiples with the sampler (os/wall-clock-beat.ts);
  // repeated hook warnings say how many times in words (plural.ts, a leaf).
  [(f) => f.startsWith("events/"), ["events/", "supervisor/", "config/schema.ts", "os/kill.ts", "os/spawn.ts", "os/long-timer.ts", "os/wall-clock-beat.ts", "errors.ts", "plural.ts", "consola", "node:", "bun"]],
  // Type-only imports of os/datagram-socket.ts (UnixAddress) and supervisor/states.ts load nothing.
  [(f) => PURE_SYSTEMD.includes(f), ["systemd/", "os/datagram-socket.ts", "supervisor/states.ts", "errors.ts"]],
  // notifier.ts sees the supervisor through a structural interface, so it never imports supervisor.ts.
  // watchdog-abort.ts writes the watchdog's line as the logger would, from a handler in C.
  [(f) => f.startsWith("systemd/"), ["systemd/", "os/", "logs/journal-format.ts", "logs/logger.ts", "supervisor/states.ts", "errors.ts", "consola", "node:", "bun"]],
  [(f) => f.startsWith("supervisor/"), ["supervisor/", "os/", "logs/", "health/", "config/schema.ts", "errors.ts", "plural.ts", "consola", "node:"]],
  [(f) => f === "control/client.ts", ["control/protocol.ts", "errors.ts", "node:", "bun"]],
  // request-guard.ts hashes tokens (node:crypto) and shares config/'s loopback rule; metrics.ts turns an
  // exit into a shell's code with the one function for it (supervisor/exit-status.ts, itself pure).
  [(f) => PURE_HTTP.includes(f), ["http/routes.ts", "http/basic-auth.ts", "http/status-codes.ts", "control/protocol.ts", "config/loopback.ts", "os/signals.ts", "supervisor/exit-status.ts", "node:crypto"]],
  // http/ answers through control/dispatch.ts, as the socket does, and reads log files as `tsvisor logs` does;
  // state-graph-svg.ts draws the help view's graph from the machine's table (supervisor/state-graph.ts, pure);
  // api.ts names the event types a server without a token leaves out (the leaf that lists them).
  [(f) => f.startsWith("http/"), ["http/", "control/", "supervisor/state-graph.ts", "supervisor/states.ts", "config/schema.ts", "config/process-log.ts", "config/values.ts", "events/event-types.ts", "logs/tail.ts", "logs/line-splitter.ts", "os/", "errors.ts", "consola", "node:", "bun", "./dashboard.html"]],
  // server.ts claims its socket path through os/unix-socket-file.ts, shared with the HTTP server's unix
  // socket, and refuses a connection when the descriptors kept for answering run short (os/fd-budget.ts).
  // dispatch.ts answers log_files with the shape config/process-log.ts gives `tsvisor logs` and the HTTP API.
  // A socket path already in use is reported with who holds it, as the kernel says (os/unix-peer.ts).
  [(f) => f.startsWith("control/"), ["control/", "supervisor/", "events/", "config/schema.ts", "config/process-log.ts", "os/unix-socket-file.ts", "os/unix-peer.ts", "os/fd-budget.ts", "errors.ts", "node:", "bun"]],
  // init.ts is init mode's composition root, as daemon.ts is run mode's (STYLE B3 names only daemon.ts:
  // init mode shares none of its config/supervisor wiring, so it has a root of its own).
  // Both read the descriptors tsvisor inherited (CMD's) before loading their root, whose logger makes
  // Bun duplicate stdout and stderr; init-mode.ts knows the helper's flag to dispatch on it; run.ts
  // first executes tsvisor again with Bun's GC timer off (os/gc-timer-off.ts).
  [(f) => f === "cli/run.ts" || f === "cli/init-mode.ts", ["daemon.ts", "init.ts", "cli/", "citty", "errors.ts", "os/inherited-fds.ts", "os/foreground-child.ts", "os/gc-timer-off.ts"]],
  // cli/logs.ts reads log files itself (the daemon only says where they are): logs/tail.ts for one, logs/merged-tail.ts
  // for several, and with the daemon down it selects processes as the daemon would (supervisor/operator.ts, pure);
  // _exit.ts writes errors at the journal's error priority under a unit (logs/journal-format.ts, light).
  // A log shown on a terminal has its control characters made visible (logs/terminal-text.ts, pure).
  // `tsvisor logs` asks the kernel who listens on the socket before it reads the files the daemon names (os/unix-peer.ts).
  [(f) => f.startsWith("cli/"), ["cli/", "os/unix-peer.ts", "colour.ts", "plural.ts", "control/client.ts", "control/protocol.ts", "config/", "errors.ts", "supervisor/states.ts", "supervisor/exit-status.ts", "supervisor/operator.ts", "logs/tail.ts", "logs/merged-tail.ts", "logs/journal-format.ts", "logs/terminal-text.ts", "citty", "node:", "../package.json"]],
  // http/control-socket-http.ts answers supervisorctl on the control socket, loaded at the first HTTP connection.
  [(f) => f === "daemon.ts", ["config/", "supervisor/", "os/", "logs/", "control/", "systemd/", "events/", "http/server.ts", "http/control-socket-http.ts", "main-command.ts", "errors.ts", "plural.ts", "consola", "node:", "../package.json"]],
  // CMD of `run -- CMD`: init mode's spawn (os/), started when systemd's READY=1 would be sent (systemd/readiness.ts).
  [(f) => f === "main-command.ts", ["os/", "supervisor/exit-status.ts", "supervisor/states.ts", "systemd/readiness.ts", "consola"]],
  [(f) => f === "init.ts", ["os/", "logs/", "supervisor/exit-status.ts", "errors.ts", "node:"]],
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
  const offenders = [...PURE_SUPERVISOR, ...PURE_SYSTEMD, ...PURE_EVENTS, ...PURE_HEALTH, ...PURE_HTTP].filter((f) => files.includes(f)).filter((f) =>
    /\bDate\.now\(|\bsetTimeout\(|\bsetInterval\(|\bperformance\.now\(/.test(readFileSync(join(SRC, f), "utf8")),
  );
  expect(offenders).toEqual([]);
});

// The reaper may waitpid() any child that os/spawn.ts has not marked as Bun's (os/reaper.ts): a child
// started by any other API would have its exit status taken from under Bun.
test("only os/spawn.ts starts processes, so that the reaper knows every child Bun waits for", () => {
  const starters = /\bBun\.spawn(Sync)?\(|\bBun\.\$`|\bnode:child_process\b|\bfrom\s+["']child_process["']/;
  const offenders = files.filter((f) => f !== "os/spawn.ts" && starters.test(readFileSync(join(SRC, f), "utf8")));
  expect(offenders).toEqual([]);
});
