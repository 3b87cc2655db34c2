// The HTTP API's error vocabulary: the control protocol's codes plus the few that only HTTP can meet,
// each with its status (docs/http.md "Status codes"). Pure data; words are left to the client.
import type { ErrorBody, ErrorCode } from "../control/protocol.ts";

/** Codes that only the HTTP layer sends. */
export type HttpOnlyCode =
  | "UNAUTHORIZED" // no bearer token, or the wrong one
  | "READ_ONLY" // an action with [http] read_only = true
  | "TOKEN_REQUIRED" // an action or a log asked of a TCP server that has no token: nothing a client sends can allow it
  | "CROSS_ORIGIN" // a POST whose Origin is not the server's own (CSRF)
  | "FORBIDDEN_HOST" // a token-less server asked under a Host that is not loopback (DNS rebinding)
  | "NOT_FOUND" // no such endpoint
  | "METHOD_NOT_ALLOWED" // the endpoint exists; the Allow header lists its methods
  | "BODY_TOO_LARGE" // a body over MAX_BODY_BYTES (`limit`)
  | "UNSUPPORTED_MEDIA_TYPE" // a body that is not application/json
  | "TOO_MANY_STREAMS"; // MAX_STREAMS event or log streams are open

export type HttpErrorCode = ErrorCode | HttpOnlyCode;

/** An error as the HTTP API sends it: the protocol's fields, with a code that may be HTTP's own. */
export type HttpErrorBody = Omit<ErrorBody, "code"> & { code: HttpErrorCode };

// A Record, so a code added to the protocol cannot be left without a status.
export const HTTP_STATUS: Record<HttpErrorCode, number> = {
  BAD_REQUEST: 400,
  BAD_SIGNAL: 400,
  NO_SUCH_EVENT_TYPE: 400,
  UNAUTHORIZED: 401,
  READ_ONLY: 403,
  TOKEN_REQUIRED: 403,
  CROSS_ORIGIN: 403,
  FORBIDDEN_HOST: 403,
  NOT_FOUND: 404,
  NO_SUCH_PROCESS: 404,
  NO_SUCH_GROUP: 404,
  NO_LOG: 404,
  LOG_UNREADABLE: 500,
  ALREADY_ADDED: 409,
  STILL_RUNNING: 409,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_STARTED: 409,
  NOT_RUNNING: 409,
  BODY_TOO_LARGE: 413,
  LINE_TOO_LONG: 413, // the socket's name for the same limit
  UNSUPPORTED_MEDIA_TYPE: 415,
  START_FAILED: 500,
  INTERNAL: 500,
  CONFIG_INVALID: 500, // reload only, which HTTP does not offer
  UNSUPPORTED_VERSION: 400, // the socket's envelope; HTTP has the version in its path
  UNKNOWN_OP: 404,
  IDLE_TIMEOUT: 408,
  SHUTTING_DOWN: 503,
  TOO_MANY_STREAMS: 503,
  BUSY: 503, // the socket's refusal of a connection; HTTP refuses one by closing it
  FELL_BEHIND: 503, // never a status: a stream's last message (event-stream.ts)
};
