// The one error type for failures a user can cause and fix; anything else is a bug and keeps its stack.
export class TsvisorError extends Error {
  constructor(
    /** Stable machine-readable code, e.g. "CONFIG_INVALID", "SPAWN_FAILED". */
    readonly code: string,
    message: string,
    /** One line telling the user how to fix it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "TsvisorError";
  }
}

/**
 * How to give tsvisor more descriptors, in the words of the three ways it is run: the hint of every
 * message about its descriptor limit, the daemon's and the client's (which loads little else).
 */
export const RAISE_FD_LIMIT = "raise the limit: ulimit -n, LimitNOFILE=, docker run --ulimit nofile=N";
