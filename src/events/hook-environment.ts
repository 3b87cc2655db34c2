// The TSVISOR_EVENT_* variables of a hook command: one per field of the event. A variable cannot hold
// what a field may: Linux refuses any one over 128 KiB (MAX_ARG_STRLEN) with E2BIG, and none may hold
// a NUL byte. A program's output line (PROCESS_LOG_*'s data) can be either, and a failed exec would
// mean the hook never runs at all. So a value is cut to what a variable can carry, and
// TSVISOR_EVENT_TRUNCATED names every variable that was: the whole event is the JSON on stdin.
import type { TsvisorEvent } from "./event.ts";

/**
 * The most bytes of one field's value put in its variable. A quarter of MAX_ARG_STRLEN, so that the
 * few fields that can be long (data, reason) leave room for tsvisor's own environment and the hook's
 * arguments within ARG_MAX (a quarter of the stack limit: 2 MiB by default).
 */
export const MAX_EVENT_VARIABLE_BYTES = 32 * 1024;

/** The variable that lists the cut ones ("TSVISOR_EVENT_DATA"), space-separated; "" when none was. */
export const TRUNCATED_VARIABLE = "TSVISOR_EVENT_TRUNCATED";

/** TSVISOR_EVENT_TYPE, TSVISOR_EVENT_PROGRAM, …: every field, "" for null, each cut to fit a variable. */
export function eventEnvironment(event: TsvisorEvent): Record<string, string> {
  const env: Record<string, string> = {};
  const truncated: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    const name = `TSVISOR_EVENT_${key.toUpperCase()}`;
    const text = value === null ? "" : String(value);
    const fitting = fitVariable(text);
    if (fitting !== text) truncated.push(name);
    env[name] = fitting;
  }
  env[TRUNCATED_VARIABLE] = truncated.join(" ");
  return env;
}

// The longest start of `text` a variable can hold: before its first NUL byte, at most
// MAX_EVENT_VARIABLE_BYTES of UTF-8, never ending inside a character.
export function fitVariable(text: string): string {
  const nul = text.indexOf("\0");
  const head = nul === -1 ? text : text.slice(0, nul);
  if (head.length * 3 <= MAX_EVENT_VARIABLE_BYTES) return head; // a UTF-16 unit is at most 3 bytes of UTF-8
  // encodeInto writes whole characters only: `read` ends on a character's boundary
  const { read } = new TextEncoder().encodeInto(head, new Uint8Array(MAX_EVENT_VARIABLE_BYTES));
  return head.slice(0, read);
}
