// NOTIFY_SOCKET as systemd sets it for a Type=notify service: a socket path ("/run/systemd/notify")
// or a name in the abstract namespace ("@/org/freedesktop/systemd1/notify/..."), as sd_notify(3) reads it.
import type { UnixAddress } from "../os/datagram-socket.ts";
import { TsvisorError } from "../errors.ts";

/** The address to notify, or null when NOTIFY_SOCKET is unset or empty (not run by systemd as Type=notify). */
export function parseNotifySocket(value: string | undefined): UnixAddress | null {
  if (value === undefined || value === "") return null;
  if (value.startsWith("/")) return { kind: "path", path: value };
  if (value.startsWith("@") && value.length > 1) return { kind: "abstract", name: value.slice(1) };
  throw new TsvisorError(
    "NOTIFY_SOCKET_UNSUPPORTED",
    `NOTIFY_SOCKET=${JSON.stringify(value)} is not a unix socket address tsvisor can use; allowed: an absolute path ("/run/systemd/notify") or an abstract name ("@name")`,
    "systemd sets NOTIFY_SOCKET itself for Type=notify services; unset it when starting tsvisor by hand",
  );
}
