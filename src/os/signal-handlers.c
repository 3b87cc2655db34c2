/* Signal handlers that JavaScript cannot be: compiled at run time by Bun's TinyCC (os/tiny-cc.ts,
 * used by os/native-signal-handlers.ts). Both run on whatever thread the kernel picks, even while the
 * JavaScript thread is stuck, and call only async-signal-safe functions.
 * No #include, so it builds where no C headers are installed (slim and distroless images): the two
 * structures below are written out as glibc and musl lay them out on 64-bit Linux (x86-64, arm64). */
typedef unsigned long size_t;
long write(int fd, const void *buf, size_t n);
int getpid(void);
int kill(int pid, int signal);
int raise(int signal);
int *__errno_location(void);

/* struct sigaction: handler, a 1024-bit mask, flags, restorer. */
struct action {
  void *handler;
  unsigned long mask[16];
  int flags;
  void *restorer;
};
int sigaction(int signal, const struct action *act, struct action *old);

/* The head of siginfo_t: what kill(2) fills in. */
struct info {
  int signo, errno_, code, pad_;
  int pid;
  unsigned int uid;
};

#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SI_USER 0
#define SIGABRT 6

/* --- A signal as one byte on a pipe, for the JavaScript thread to read --- */

static int signal_pipe = -1;

static void write_to_pipe(int signal) {
  int saved = *__errno_location(); /* the interrupted code may be about to read errno */
  unsigned char byte = (unsigned char)signal;
  write(signal_pipe, &byte, 1); /* a full pipe drops the byte: 1 MiB of unread signals */
  *__errno_location() = saved;
}

/* Catch `signal` by writing its number to `pipe_fd` (non-blocking). 0 on success. */
int catch_into_pipe(int signal, int pipe_fd) {
  struct action act = {0};
  signal_pipe = pipe_fd;
  act.handler = (void *)write_to_pipe;
  act.flags = SA_RESTART;
  return sigaction(signal, &act, 0);
}

/* --- SIGABRT from another process: say why before the core dump --- */

static struct action previous_abort;
static const char *abort_line;
static size_t abort_line_length;

static void on_abort(int signal, struct info *info, void *context) {
  if (info != 0 && info->code == SI_USER && info->pid != getpid()) {
    /* kill(2) from outside (systemd's watchdog): one line, then the default action (a core dump,
     * which WatchdogSignal=SIGABRT asks for). Blocked while this runs, the signal sent here is
     * delivered as the handler returns. */
    struct action dfl = {0};
    write(2, abort_line, abort_line_length);
    sigaction(SIGABRT, &dfl, 0);
    kill(getpid(), SIGABRT);
    return;
  }
  /* abort() in tsvisor itself: the handler that was there (Bun's crash report) is put back and gets
   * the signal again, delivered as this handler returns, in the context of the abort() itself. */
  sigaction(SIGABRT, &previous_abort, 0);
  raise(SIGABRT);
}

/* On SIGABRT sent by another process write `line` (kept by the caller) to stderr and dump core;
 * any other SIGABRT goes to the handler installed before. 0 on success. */
int report_external_abort(const char *line, size_t length) {
  struct action act = {0};
  abort_line = line;
  abort_line_length = length;
  if (sigaction(SIGABRT, 0, &previous_abort) != 0) return -1;
  act.handler = (void *)on_abort;
  act.flags = SA_SIGINFO | (previous_abort.flags & SA_ONSTACK);
  return sigaction(SIGABRT, &act, 0);
}
