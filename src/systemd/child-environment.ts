// The variables systemd addresses to tsvisor alone. A program that inherited NOTIFY_SOCKET could send
// its own READY=1 (systemd ignores it under NotifyAccess=main and logs a warning each time), and one
// that inherited WATCHDOG_USEC would think the watchdog is its job: sd_notify(3)'s unset_environment.
const FOR_TSVISOR_ONLY = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/** `env` without the sd_notify variables, for the programs tsvisor starts. */
export function withoutNotifyVariables(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !FOR_TSVISOR_ONLY.includes(key)));
}
