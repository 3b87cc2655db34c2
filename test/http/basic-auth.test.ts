import { expect, test } from "bun:test";
import { hasBasicCredentials, hasTokenAsPassword, parseBasic } from "../../src/http/basic-auth.ts";
import { isAuthenticated } from "../../src/http/request-guard.ts";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const SHA = `{SHA}${new Bun.CryptoHasher("sha1").update("s3cret").digest("hex")}`;

test.each([
  ["the right user and password", basic("ops", "s3cret"), { username: "ops", password: "s3cret" }, true],
  ["a password with a colon", basic("ops", "a:b"), { username: "ops", password: "a:b" }, true],
  ["the wrong password", basic("ops", "guess"), { username: "ops", password: "s3cret" }, false],
  ["the wrong user", basic("root", "s3cret"), { username: "ops", password: "s3cret" }, false],
  ["supervisord's {SHA} form", basic("ops", "s3cret"), { username: "ops", password: SHA }, true],
  ["the hash itself as password", basic("ops", SHA), { username: "ops", password: SHA }, false],
  ["a Bearer header", "Bearer s3cret", { username: "ops", password: "s3cret" }, false],
  ["no header", null, { username: "ops", password: "s3cret" }, false],
] as const)("%s -> %p", (_, header, expected, ok) => {
  expect(hasBasicCredentials(header, expected)).toBe(ok);
});

test("parseBasic refuses what is not user:password in base64", () => {
  expect([parseBasic("Basic !!!"), parseBasic(`Basic ${Buffer.from("nocolon").toString("base64")}`), parseBasic("basic  b3BzOng= ")]).toEqual([null, null, { username: "ops", password: "x" }]);
});

test("the token counts as the token, and as Basic's password under any user name", () => {
  const settings = { token: "t0ken-t0ken-t0ken", basic: null };
  expect([
    isAuthenticated("Bearer t0ken-t0ken-t0ken", settings), isAuthenticated(basic("anyone", "t0ken-t0ken-t0ken"), settings),
    isAuthenticated(basic("anyone", "t0ken"), settings), hasTokenAsPassword(null, "x"),
  ]).toEqual([true, true, false, false]);
});
