import { expect, test } from "bun:test";
import { matchRoute } from "../../src/http/routes.ts";

test.each([
  ["GET", "/", { route: { kind: "dashboard" } }],
  ["GET", "/metrics", { route: { kind: "metrics" } }],
  ["GET", "/api/v1", { route: { kind: "about" } }],
  ["GET", "/api/v1/", { route: { kind: "about" } }],
  ["GET", "/api/v1/programs", { route: { kind: "programs" } }],
  ["HEAD", "/api/v1/programs", { route: { kind: "programs" } }],
  ["GET", "/api/v1/check", { route: { kind: "check" } }],
  ["GET", "/api/v1/events", { route: { kind: "events" } }],
  ["GET", "/api/v1/programs/web", { route: { kind: "program", name: "web" } }],
  ["GET", "/api/v1/programs/worker%3A%2A", { route: { kind: "program", name: "worker:*" } }],
  ["GET", "/api/v1/programs/web/logs", { route: { kind: "logs", name: "web" } }],
  ["GET", "/api/v1/programs/web/history", { route: { kind: "history", name: "web" } }],
  ["POST", "/api/v1/programs/web/history", { error: "METHOD_NOT_ALLOWED", allow: "GET, HEAD" }],
  ["POST", "/api/v1/programs/web/start", { route: { kind: "action", name: "web", action: "start" } }],
  ["POST", "/api/v1/programs/web/stop", { route: { kind: "action", name: "web", action: "stop" } }],
  ["POST", "/api/v1/programs/web/restart", { route: { kind: "action", name: "web", action: "restart" } }],
  ["POST", "/api/v1/programs/web/signal", { route: { kind: "action", name: "web", action: "signal" } }],
  ["GET", "/api/v1/programs/web/start", { error: "METHOD_NOT_ALLOWED", allow: "POST" }],
  ["POST", "/api/v1/programs", { error: "METHOD_NOT_ALLOWED", allow: "GET, HEAD" }],
  ["DELETE", "/api/v1/programs/web", { error: "METHOD_NOT_ALLOWED", allow: "GET, HEAD" }],
  ["GET", "/api/v2/programs", { error: "NOT_FOUND" }],
  ["GET", "/api/v1/programs/web/kill", { error: "NOT_FOUND" }],
  ["GET", "/api/v1/programs/web/logs/x", { error: "NOT_FOUND" }],
  ["GET", "/api/v1/programs/%E0%A4%A", { error: "NOT_FOUND" }],
  ["GET", "/api/v1/programs/a%2Fb", { error: "NOT_FOUND" }],
  ["GET", "/index.html", { error: "NOT_FOUND" }],
] as const)("%s %s", (method, path, expected) => {
  expect(matchRoute(method, path)).toEqual(expected as never);
});
