import { describe, expect, test } from "bun:test";
import { renderConfig } from "../../src/config/render.ts";
import { load, loadError, toml } from "./_helpers.ts";

const web = ["[programs.web]", 'command = "x"'];

describe("[[hooks]] and [eventlisteners.NAME]", () => {
  test("resolve with their defaults, and config show writes them back to the same config", () => {
    const config = load({
      "tsvisor.toml": toml(...web, "[[hooks]]", 'on = ["PROCESS_STATE_FATAL"]', 'command = "notify --fatal"',
        "[[hooks]]", 'on = ["PROCESS_STATE"]', 'programs = ["web"]', 'url = "http://127.0.0.1:9/hook"', 'timeout = "5s"',
        "[eventlisteners.crashmail]", 'command = ["crashmail", "-a"]', 'events = ["PROCESS_STATE_EXITED"]'),
    });
    expect([config.hooks, config.eventlisteners]).toEqual([[
      { on: ["PROCESS_STATE_FATAL"], programs: [], command: ["notify", "--fatal"], url: null, timeout: 30 },
      { on: ["PROCESS_STATE"], programs: ["web"], command: null, url: "http://127.0.0.1:9/hook", timeout: 5 },
    ], { crashmail: { command: ["crashmail", "-a"], events: ["PROCESS_STATE_EXITED"], buffer_size: 10 } }]);
    const again = load({ "tsvisor.toml": renderConfig(config) });
    expect([again.hooks, again.eventlisteners]).toEqual([config.hooks, config.eventlisteners]);
  });

  test("a misspelt event, an unknown program, and a hook with both command and url are all reported", () => {
    expect(loadError({
      "tsvisor.toml": toml(...web, "[[hooks]]", 'on = ["PROCESS_STATE_FATAL"]', 'command = "x"', "[[hooks]]", 'on = ["PROCESS_STATE_FATLA"]', 'programs = ["wbe"]', 'command = "x"', 'url = "http://h/"'),
    })).toMatchInlineSnapshot(`
      "tsvisor.toml:6:1: hooks.1: a hook needs exactly one of command and url
          6 | [[hooks]]
            | ^
            = hint: command = ["/usr/local/bin/notify"] runs a program; url = "http://…" POSTs the event
      tsvisor.toml:7:6: hooks.1.on: unknown event "PROCESS_STATE_FATLA" (did you mean "PROCESS_STATE_FATAL"?)
          7 | on = ["PROCESS_STATE_FATLA"]
            |      ^
      tsvisor.toml:8:12: hooks.1.programs: no process or program named "wbe" (did you mean "web"?)
          8 | programs = ["wbe"]
            |            ^
      3 errors in config"
    `);
  });

  test("a listener without events and with an unknown key", () => {
    expect(loadError({ "tsvisor.toml": toml("[eventlisteners.l]", 'command = "x"', "bufer_size = 3") })).toMatchInlineSnapshot(`
      "tsvisor.toml:1:1: eventlisteners.l: missing required key "events"
          1 | [eventlisteners.l]
            | ^
            = hint: e.g. command = ["python3", "listener.py"] and events = ["PROCESS_STATE"]
      tsvisor.toml:3:1: eventlisteners.l.bufer_size: unknown key "bufer_size" (did you mean "buffer_size"?)
          3 | bufer_size = 3
            | ^
      2 errors in config"
    `);
  });
});
