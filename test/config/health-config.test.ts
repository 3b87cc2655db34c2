import { describe, expect, test } from "bun:test";
import { load, loadError, toml } from "./_helpers.ts";

const web = (...lines: string[]) => ({ "tsvisor.toml": toml("[programs.web]", 'command = "x"', ...lines) });

describe("healthcheck", () => {
  test("each probe kind with the defaults of the timing keys", () => {
    const checks = (probe: string) => load(web("[programs.web.healthcheck]", probe)).programs.web!.healthcheck;
    const defaults = { interval: 10, timeout: 5, retries: 3, start_period: 0, on_unhealthy: "report" } as const;
    expect(checks('http = "http://127.0.0.1:8080/health"')).toEqual({ probe: { type: "http", url: "http://127.0.0.1:8080/health" }, ...defaults });
    expect(checks('tcp = "[::1]:5432"')).toEqual({ probe: { type: "tcp", host: "::1", port: 5432 }, ...defaults });
    expect(checks('command = "pg_isready -q"')).toEqual({ probe: { type: "command", argv: ["pg_isready", "-q"] }, ...defaults });
  });

  test("two probes are refused, naming both", () => {
    expect(loadError(web("[programs.web.healthcheck]", 'tcp = "h:1"', 'http = "http://h/"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:1: programs.web.healthcheck: expected exactly one probe (http, tcp or command); got http and tcp
          3 | [programs.web.healthcheck]
            | ^
            = hint: e.g. http = "http://127.0.0.1:8080/health", tcp = "127.0.0.1:5432" or command = ["pg_isready"]"
    `);
  });

  test("a bad value is reported at its key below healthcheck", () => {
    expect(loadError(web("[programs.web.healthcheck]", 'tcp = "localhost"', "retries = 0"))).toMatchInlineSnapshot(`
      "tsvisor.toml:4:7: programs.web.healthcheck.tcp: expected "HOST:PORT" with a port from 1 to 65535, e.g. "127.0.0.1:5432"; got "localhost"
          4 | tcp = "localhost"
            |       ^"
    `);
    expect(loadError(web("[programs.web.healthcheck]", 'http = "http://h/"', 'on_unhealthy = "kill"'))).toContain(
      'programs.web.healthcheck.on_unhealthy: expected "report" or "restart"; got "kill"',
    );
    expect(loadError(web("[programs.web.healthcheck]", 'http = "http://h/"', "retrys = 2"))).toContain(
      'programs.web.healthcheck.retrys: unknown key "retrys" (did you mean "retries"?)',
    );
  });
});

describe("depends_on", () => {
  test("an unknown program is named, with the closest one", () => {
    expect(loadError(web('depends_on = ["dbb"]', "[programs.db]", 'command = "x"'))).toMatchInlineSnapshot(`
      "tsvisor.toml:3:14: programs.web.depends_on: depends on "dbb", which is not a program (did you mean "db"?)
          3 | depends_on = ["dbb"]
            |              ^
            = hint: name a [programs.NAME] table: web db"
    `);
  });

  test("a cycle is refused with its path", () => {
    const config = web('depends_on = ["api"]', "[programs.api]", 'command = "x"', 'depends_on = ["db"]', "[programs.db]", 'command = "x"', 'depends_on = ["web"]');
    expect(loadError(config)).toContain("programs.web.depends_on: dependency cycle: web -> api -> db -> web");
  });
});

test("max_memory takes a size above 0", () => {
  expect(load(web('max_memory = "512MB"')).programs.web!.max_memory).toBe(512 * 1024 * 1024);
  expect(loadError(web("max_memory = 0"))).toContain("programs.web.max_memory: expected a size above 0; got 0");
});
