// A program whose stdout goes only to PROCESS_LOG_STDOUT events, and `tsvisor events -f` following
// them: for the tests of what a follower receives (events-stream, events-follow-drop).
import { Daemon, TSVISOR } from "./_harness.ts";

/** Program `name` running `script` (sh), its stdout in events only: no log file, no console. */
export function processLogEventsConfig(name: string, script: string): string {
  return `
[programs.${name}]
command = ["sh", "-c", ${JSON.stringify(script)}]
startsecs = 0
stdout_events_enabled = true
stdout_logfile = "none"
console = false
`;
}

/** `tsvisor events -f --type PROCESS_LOG_STDOUT NAME` on `daemon`, its output piped to the test. */
export function followProcessLog(daemon: Daemon, name: string) {
  return Bun.spawn([TSVISOR, "events", "-f", "--type", "PROCESS_LOG_STDOUT", name], {
    env: { ...process.env, TSVISOR_SOCKET: daemon.socket }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
}
