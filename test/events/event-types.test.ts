// Event names come from configs (`on`, `events`) and requests (`types`): only tsvisor's own names expand.
import { expect, test } from "bun:test";
import { EVENT_NAMES, EVENT_TYPES, expandEventName } from "../../src/events/event-types.ts";
import { PROTOTYPE_NAMES } from "../prototype-names.ts";

test("every type and class expands, a class to its types", () => {
  expect(EVENT_NAMES.filter((n) => expandEventName(n) === null)).toEqual([]);
  expect([expandEventName("PROCESS_STATE_FATAL"), expandEventName("EVENT"), expandEventName("HEALTH")]).toEqual([
    ["PROCESS_STATE_FATAL"], EVENT_TYPES, ["HEALTH_HEALTHY", "HEALTH_UNHEALTHY"],
  ]);
});

test.each(PROTOTYPE_NAMES)("%s is no event name", (name) => {
  expect(expandEventName(name)).toBeNull();
  expect(EVENT_NAMES).not.toContain(name);
});
