// What the journal says when systemd's watchdog fires. systemd then sends WatchdogSignal= (SIGABRT by
// default) to tsvisor, whose JavaScript thread is stuck (that is why the pings stopped): Bun's crash
// handler would take the signal and print "Bun has crashed", blaming Bun for a hang that may well be
// tsvisor's. A handler in C (os/signal-handlers.c) runs without the JavaScript thread instead: it
// writes one line, then lets SIGABRT's default action end tsvisor with a core dump, which is what
// systemd's watchdog asks for (docs/systemd.md "Watchdog").
import type { ConsolaInstance } from "consola";
import { formatJournalLine, stderrLogStyle } from "../logs/journal-format.ts";
import { formatPlainLine } from "../logs/logger.ts";
import { reportExternalAbort } from "../os/native-signal-handlers.ts";

/** "watchdog: systemd's watchdog fired (no WATCHDOG=1 for 30 s); aborting" */
export function watchdogFiredMessage(watchdogUsec: number): string {
  return `watchdog: systemd's watchdog fired (no WATCHDOG=1 for ${watchdogUsec / 1_000_000} s); aborting`;
}

/** Arm the line for the watchdog's SIGABRT; where that cannot be done, say what happens instead. */
export function explainWatchdogAbort(watchdogUsec: number, logger: ConsolaInstance): void {
  // Written as the logger would write it at the moment (no timestamp: under systemd journald adds it).
  const entry = { type: "fatal" as const, tag: "", args: [watchdogFiredMessage(watchdogUsec)], date: new Date() };
  const line = stderrLogStyle(process.env) === "journal-prefixed" ? formatJournalLine(entry) : formatPlainLine(entry, false);
  if (!reportExternalAbort(line)) {
    logger.debug("watchdog: no C handler for SIGABRT here (no TinyCC): should the watchdog fire, Bun reports it as a crash of its own");
  }
}
