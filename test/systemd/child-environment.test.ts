import { expect, test } from "bun:test";
import { withoutNotifyVariables } from "../../src/systemd/child-environment.ts";

test("the sd_notify variables are for tsvisor only; the rest of the environment passes to programs", () => {
  const env = { PATH: "/bin", NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "30000000", WATCHDOG_PID: "1", INVOCATION_ID: "abc" };
  expect(withoutNotifyVariables(env)).toEqual({ PATH: "/bin", INVOCATION_ID: "abc" });
});
