// supervisord's HTTP basic auth ([unix_http_server] / [inet_http_server] username and password): the
// password plain or as "{SHA}" + the hex SHA-1 of it (http.py encrypted_dictionary_authorizer). Pure:
// an Authorization header in, yes or no out, compared in constant time.
import { createHash, timingSafeEqual } from "node:crypto";

export interface BasicCredentials {
  username: string;
  /** Plain, or "{SHA}" followed by 40 hex digits. */
  password: string;
}

/** The user and password an `Authorization: Basic …` header carries; null for any other header. */
export function parseBasic(authorization: string | null): { username: string; password: string } | null {
  const match = authorization === null ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Does the header carry these credentials? */
export function hasBasicCredentials(authorization: string | null, expected: BasicCredentials): boolean {
  const given = parseBasic(authorization);
  if (given === null) return false;
  const userOk = sameText(given.username, expected.username);
  const sha = /^\{SHA\}([0-9a-f]{40})$/i.exec(expected.password);
  const passwordOk = sha !== null
    ? sameText(createHash("sha1").update(given.password).digest("hex"), sha[1]!.toLowerCase())
    : sameText(given.password, expected.password);
  return userOk && passwordOk;
}

/** Does the header carry `token` as the password of Basic auth (any user name)? supervisorctl can send only Basic. */
export function hasTokenAsPassword(authorization: string | null, token: string): boolean {
  const given = parseBasic(authorization);
  return given !== null && sameText(given.password, token);
}

// Equal texts, compared in constant time (their digests have equal lengths).
export function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
