// The text of one sd_notify datagram: newline-separated VARIABLE=value assignments (sd_notify(3)).
// Pure: the clock reading for MONOTONIC_USEC is passed in.

/** What one datagram tells systemd; fields are sent in this order. */
export interface NotifyFields {
  /** RELOADING=1: a reload began; systemd 253+ also wants MONOTONIC_USEC with it. */
  reloading?: boolean;
  /** CLOCK_MONOTONIC in microseconds when the message was built. */
  monotonicUsec?: bigint;
  /** READY=1: start-up (or a reload) finished. */
  ready?: boolean;
  /** STOPPING=1: shutdown began. */
  stopping?: boolean;
  /** WATCHDOG=1: the keep-alive ping. */
  watchdog?: boolean;
  /** STATUS=...: one line shown by `systemctl status`. */
  status?: string;
}

// "RELOADING=1\nMONOTONIC_USEC=123\nSTATUS=5 running"
export function formatNotifyMessage(fields: NotifyFields): string {
  const lines: string[] = [];
  if (fields.reloading) lines.push("RELOADING=1");
  if (fields.monotonicUsec !== undefined) lines.push(`MONOTONIC_USEC=${fields.monotonicUsec}`);
  if (fields.ready) lines.push("READY=1");
  if (fields.stopping) lines.push("STOPPING=1");
  if (fields.watchdog) lines.push("WATCHDOG=1");
  // A newline would start a new assignment: STATUS is one line.
  if (fields.status !== undefined) lines.push(`STATUS=${fields.status.replace(/[\r\n]+/g, " ")}`);
  return lines.join("\n");
}
