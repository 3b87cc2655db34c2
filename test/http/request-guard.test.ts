import { describe, expect, test } from "bun:test";
import { grantsOf, refusal, type GuardSettings, type GuardedRequest } from "../../src/http/request-guard.ts";
import type { Route } from "../../src/http/routes.ts";

const TOKEN = "s3cret-token-0123456789";
const get = (over: Partial<GuardedRequest> = {}): GuardedRequest => ({ method: "GET", authorization: null, host: "127.0.0.1:9001", origin: null, ...over });
const post = (over: Partial<GuardedRequest> = {}) => get({ method: "POST", ...over });
const programs: Route = { kind: "programs" };
const restart: Route = { kind: "action", name: "web", action: "restart" };
const dashboard: Route = { kind: "dashboard" };
const open: GuardSettings = { token: null, basic: null, readOnly: false, tcp: true };
const locked: GuardSettings = { token: TOKEN, basic: null, readOnly: false, tcp: true };

describe("without a token (loopback)", () => {
  test.each([
    ["a loopback Host", get(), null],
    ["localhost", get({ host: "localhost:9001" }), null],
    ["[::1]", get({ host: "[::1]:9001" }), null],
    ["another name (DNS rebinding)", get({ host: "evil.example:9001" }), "FORBIDDEN_HOST"],
    ["no Host at all (not a browser)", get({ host: null }), null],
  ] as const)("%s -> %p", (_, request, expected) => {
    expect(refusal(request, programs, open)).toBe(expected);
  });

  test("a unix socket does not look at Host", () => {
    expect(refusal(get({ host: "evil.example" }), programs, { ...open, tcp: false })).toBeNull();
  });
});

describe("with a token", () => {
  test.each([
    ["the right token", get({ authorization: `Bearer ${TOKEN}` }), null],
    ["the scheme in any case", get({ authorization: `bearer ${TOKEN}` }), null],
    ["no Authorization", get(), "UNAUTHORIZED"],
    ["a wrong token", get({ authorization: "Bearer nope" }), "UNAUTHORIZED"],
    ["the token as Basic", get({ authorization: `Basic ${TOKEN}` }), "UNAUTHORIZED"],
    ["a token with a tail", get({ authorization: `Bearer ${TOKEN}x` }), "UNAUTHORIZED"],
    ["any Host", get({ host: "app.example.com", authorization: `Bearer ${TOKEN}` }), null],
  ] as const)("%s -> %p", (_, request, expected) => {
    expect(refusal(request, programs, locked)).toBe(expected);
  });

  test("the page itself needs no token: it holds no data and asks for the token", () => {
    expect(refusal(get(), dashboard, locked)).toBeNull();
  });
});

describe("actions", () => {
  const withToken = (over: Partial<GuardedRequest> = {}) => post({ authorization: `Bearer ${TOKEN}`, ...over });
  test.each([
    ["no Origin (curl)", withToken(), null],
    ["the server's own origin", withToken({ origin: "http://127.0.0.1:9001" }), null],
    ["another origin (CSRF)", withToken({ origin: "http://evil.example" }), "CROSS_ORIGIN"],
    ["the same host on another port", withToken({ origin: "http://127.0.0.1:8080" }), "CROSS_ORIGIN"],
    ["an opaque origin", withToken({ origin: "null" }), "CROSS_ORIGIN"],
  ] as const)("%s -> %p", (_, request, expected) => {
    expect(refusal(request, restart, locked)).toBe(expected);
  });

  test("a TCP server without a token refuses every action and every log, and nothing else: no request can earn them", () => {
    const logs: Route = { kind: "logs", name: "web" };
    const history: Route = { kind: "history", name: "web" };
    expect([refusal(post(), restart, open), refusal(post({ authorization: `Bearer ${TOKEN}` }), restart, open), refusal(get(), logs, open), refusal(get(), programs, open), refusal(get(), history, open)])
      .toEqual(["TOKEN_REQUIRED", "TOKEN_REQUIRED", "TOKEN_REQUIRED", null, null]);
  });

  test("a unix socket without a token allows actions and logs: its file mode says who may connect", () => {
    const unix = { ...open, tcp: false };
    expect([refusal(post(), restart, unix), refusal(get(), { kind: "logs", name: "web" }, unix)]).toEqual([null, null]);
  });

  test.each([
    ["TCP without a token", open, { actions: false, output: false }],
    ["TCP with a token", locked, { actions: true, output: true }],
    ["TCP with a token, read-only", { ...locked, readOnly: true }, { actions: false, output: true }],
    ["a unix socket without a token", { ...open, tcp: false }, { actions: true, output: true }],
    ["a unix socket, read-only", { ...open, tcp: false, readOnly: true }, { actions: false, output: true }],
  ] as const)("grants of %s: %o", (_, settings, grants) => {
    expect(grantsOf(settings)).toEqual(grants);
  });

  test("read_only refuses actions and nothing else", () => {
    const readOnly = { ...locked, readOnly: true };
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect([refusal(post(auth), restart, readOnly), refusal(get(auth), programs, readOnly)]).toEqual(["READ_ONLY", null]);
  });

  test("a missing token is refused before read-only is considered", () => {
    expect(refusal(post(), restart, { ...locked, readOnly: true })).toBe("UNAUTHORIZED");
  });
});
