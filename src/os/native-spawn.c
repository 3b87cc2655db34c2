/* A program's start in one exec: a child made with clone(CLONE_VM), which does what Bun.spawn and the
 * parent-death exec (os/pdeathsig-exec.ts) did between them and then execve()s the program itself.
 * Compiled at run time by Bun's TinyCC (os/tiny-cc.ts, used by os/native-spawn.ts).
 *
 * Why not vfork: with vfork the caller waits until the program's exec is done, and an exec of a
 * dynamically linked program took ~3 ms here under load (1,000 programs: 3 s of tsvisor's JavaScript
 * thread waiting, no faster than Bun.spawn with its second exec). Here the caller waits only until the
 * child has done every step before the exec (a futex on `state`), so a step that fails is still told
 * at once; the exec itself runs while tsvisor goes on. The child runs on a stack of its own in a block
 * of memory made for it (mmap), with copies of everything it reads, so nothing it uses can be freed
 * or moved under it: the kernel clears `tid` in the block when the child's exec has replaced its
 * memory, or it has exited (CLONE_CHILD_CLEARTID), and only then may the block go (spawn_release).
 *
 * The child shares tsvisor's memory until its exec while tsvisor's threads run on. So it calls nothing
 * that takes a lock or keeps state in user space: plain system calls through libc's wrappers, and
 * syscall() for the three id changes, whose libc wrappers would try to change the ids of tsvisor's
 * other threads too (glibc's and musl's setxid broadcast). Every signal is blocked around the clone,
 * so no handler of tsvisor's runs in the child; it sets each back to SIG_DFL and unblocks them all just
 * before the exec. One thing is shared: errno, which a failing libc call of the child's writes where
 * the calling thread keeps its own (the child has no thread-local storage of its own). The caller
 * waits while those calls run; the exec and the exit after it, which run while it goes on, are raw
 * system calls (x86-64 only, so far) that write no errno.
 * Descriptors: the child shares tsvisor's table too (CLONE_FILES) until its first step, a close_range
 * with CLOSE_RANGE_UNSHARE that gives it a table of its own holding only the descriptors below the
 * range: the kernel copies those few, where a clone without CLONE_FILES copies the whole table and
 * the child then closes it all, a cost that grows with every program started (at 1,000 programs
 * tsvisor has ~7,000 descriptors open: a start-up's spawns were quadratic). So the two descriptors
 * the child needs are put first at two low numbers tsvisor keeps for it (`slots`), and given back
 * (pointed at /dev/null again) once the child has its own table.
 * No #include, so it builds where no C headers are installed (os/tiny-cc.ts). */
typedef unsigned long size_t;
int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);
long syscall(long number, ...);
void *mmap(void *address, size_t length, int protection, int flags, int fd, long offset);
int munmap(void *address, size_t length);
int setsid(void);
int open(const char *path, int flags, ...);
int dup2(int from, int to);
int dup3(int from, int to, int flags);
int close(int fd);
int fcntl(int fd, int command, ...);
int chdir(const char *path);
unsigned int umask(unsigned int mask);
int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d);
int getppid(void);
void _exit(int code);
int waitpid(int pid, int *status, int options);
int *__errno_location(void);

#if defined(__x86_64__)
#define SYS_execve 59
#define SYS_exit_group 231
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_setgroups 116
#define SYS_setresuid 117
#define SYS_setresgid 119
#define SYS_futex 202
#else
#error "native-spawn.c is written for x86-64 only (its system call numbers and raw_syscall3)"
#endif
#define SYS_close_range 436

#define CLONE_VM 0x100
#define CLONE_FILES 0x400
#define CLOSE_RANGE_UNSHARE 2
#define CLONE_CHILD_CLEARTID 0x200000
#define SIGCHLD 17
#define SIG_SETMASK 2
#define SIGNALS 64
#define SIGKILL 9
#define PR_SET_PDEATHSIG 1
#define F_DUPFD_CLOEXEC 1030
#define O_CLOEXEC 0x80000
#define O_RDONLY 0
#define O_WRONLY 1
#define FIRST_UNUSED_FD 3
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define EINTR 4
#define ENOENT 2
#define STACK_BYTES (64 * 1024)

/* What the caller asks for, as the Int32Array os/native-spawn.ts fills in (same order). */
struct request {
  int stdout_fd;  /* the fd to give as 1: -1 keeps tsvisor's, -2 /dev/null */
  int stderr_fd;  /* the same for 2 */
  int new_session;
  int file_mask;  /* the umask; -1 keeps tsvisor's */
  int switch_ids; /* 1: setgroups, setresgid, setresuid to what follows */
  int uid;
  int gid;
  int parent;     /* tsvisor's pid: a child whose parent has already gone gets no parent-death signal */
  int group_count;
};

/* Where the child is, or where it stopped (os/native-spawn.ts names them in this order). */
enum stage { STARTED, FORK, SESSION, STDIN, STDOUT, STDERR, DIRECTORY, GROUPS, GID, UID, PARENT_DEATH, PARENT_GONE, DESCRIPTORS, SIGNALS_RESET, EXEC, EXECUTING };

/* One child's memory until its exec: this header, then the copied strings and vectors, then its stack. */
struct block {
  volatile int tid;   /* cleared by the kernel (CLONE_CHILD_CLEARTID) once the child's exec or exit has let go of this memory */
  volatile int state; /* enum stage: EXECUTING when every step before the exec is done, else the step that failed */
  int error;          /* that step's errno */
  size_t bytes;       /* the whole mapping's, for munmap (a kept block may be larger than its child needs) */
  int unshare_below;  /* the child's own table gets tsvisor's descriptors below this number */
  struct request request;
  char *path, *cwd;
  char **argv, **envp;
  int *groups;
};

/* A system call that leaves errno alone (libc's wrappers and syscall() set it on failure). */
static long raw_syscall3(long number, long a, long b, long c) {
  long result;
  __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return result;
}

struct kernel_sigaction {
  unsigned long handler, flags, restorer, mask;
};

static void tell(struct block *b, int state) {
  b->state = state;
  syscall(SYS_futex, &b->state, (long)FUTEX_WAKE, 1L, 0L, 0L, 0L);
}

static void fail(struct block *b, int stage) {
  b->error = *__errno_location();
  tell(b, stage);
  _exit(127);
}

/* `fd` for the child's `target` (1 or 2): -1 leaves it, -2 is /dev/null. */
static int give(int fd, int target) {
  if (fd == -1) return 0;
  if (fd == -2) {
    int null = open("/dev/null", O_WRONLY);
    if (null < 0) return -1;
    if (null == target) return 0;
    fd = null;
  }
  return dup2(fd, target) < 0 ? -1 : 0;
}

static int child(void *argument) {
  struct block *b = argument;
  const struct request *r = &b->request;
  int i;
  /* First, before anything that touches a descriptor: until this call the table is tsvisor's own.
   * It leaves the child a copy of 0 to the slots, which spawn_program filled with this child's
   * stdout and stderr (each >= 3, so no dup2 below overwrites one before it is read). */
  if (syscall(SYS_close_range, (long)b->unshare_below, (long)~0U, (long)CLOSE_RANGE_UNSHARE) < 0) fail(b, DESCRIPTORS);
  if (r->new_session && setsid() < 0) fail(b, SESSION);
  int out = r->stdout_fd, err = r->stderr_fd;
  int in = open("/dev/null", O_RDONLY);
  if (in < 0 || (in != 0 && dup2(in, 0) < 0)) fail(b, STDIN);
  if (give(out, 1) < 0) fail(b, STDOUT);
  if (give(err, 2) < 0) fail(b, STDERR);
  if (r->file_mask >= 0) umask(r->file_mask);
  if (b->cwd != 0 && chdir(b->cwd) < 0) fail(b, DIRECTORY);
  if (r->switch_ids) {
    if (syscall(SYS_setgroups, (long)r->group_count, b->groups) < 0) fail(b, GROUPS);
    if (syscall(SYS_setresgid, (long)r->gid, (long)r->gid, (long)r->gid) < 0) fail(b, GID);
    if (syscall(SYS_setresuid, (long)r->uid, (long)r->uid, (long)r->uid) < 0) fail(b, UID);
  }
  /* After the switch: the kernel clears the parent-death signal when ids change. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail(b, PARENT_DEATH);
  /* tsvisor SIGKILLed before the prctl: the signal would wait for a death that has happened. */
  if (getppid() != r->parent) fail(b, PARENT_GONE);
  if (syscall(SYS_close_range, (long)FIRST_UNUSED_FD, (long)~0U, 0L) < 0) fail(b, DESCRIPTORS); /* the slots' copies, the few below them */
  struct kernel_sigaction default_action = {0, 0, 0, 0};
  for (i = 1; i <= SIGNALS; i++) syscall(SYS_rt_sigaction, (long)i, &default_action, 0L, 8L); /* KILL, STOP: EINVAL, fine */
  unsigned long none = 0;
  if (syscall(SYS_rt_sigprocmask, (long)SIG_SETMASK, &none, 0L, 8L) < 0) fail(b, SIGNALS_RESET);
  tell(b, EXECUTING); /* the caller goes on; this block stays until the kernel clears tid */
  /* From here tsvisor's thread runs again, with its errno where a libc call of the child's would
   * write its own: the exec and the exit are raw system calls, which write nothing there. */
  long failed = raw_syscall3(SYS_execve, (long)b->path, (long)b->argv, (long)b->envp);
  b->error = (int)-failed;
  b->state = EXEC;
  raw_syscall3(SYS_exit_group, b->error == ENOENT ? 127 : 126, 0, 0); /* a shell's codes */
  return 0;
}

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n] != 0) n++;
  return n + 1;
}

/* Copies `s` to *at, moving *at past it. */
static char *copy(const char *s, char **at) {
  char *start = *at;
  size_t n = length(s), i;
  for (i = 0; i < n; i++) start[i] = s[i];
  *at += n;
  return start;
}

static size_t vector_bytes(char *const *v, size_t *count) {
  size_t bytes = 0, n = 0;
  for (; v[n] != 0; n++) bytes += length(v[n]);
  *count = n;
  return bytes + (n + 1) * sizeof(char *);
}

static char **copy_vector(char *const *v, size_t count, char **at) {
  char **out = (char **)*at;
  size_t i;
  *at += (count + 1) * sizeof(char *);
  for (i = 0; i < count; i++) out[i] = copy(v[i], at);
  out[count] = 0;
  return out;
}

/* The two low descriptors that carry a child's stdout and stderr into its table, and the /dev/null they
 * point at between spawns. Only tsvisor's JavaScript thread spawns, one child at a time. */
static int slots[2] = {-1, -1};
static int slot_idle = -1;

static int reserve_slots(void) {
  if (slot_idle >= 0) return 0;
  /* each >= 3: a tsvisor started with 0, 1 or 2 closed must not find them filled */
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return -1;
  int idle = fcntl(null, F_DUPFD_CLOEXEC, FIRST_UNUSED_FD);
  int first = idle < 0 ? -1 : fcntl(null, F_DUPFD_CLOEXEC, FIRST_UNUSED_FD);
  int second = first < 0 ? -1 : fcntl(null, F_DUPFD_CLOEXEC, FIRST_UNUSED_FD);
  int error = *__errno_location();
  close(null);
  if (second < 0) {
    if (idle >= 0) close(idle);
    if (first >= 0) close(first);
    *__errno_location() = error;
    return -1;
  }
  slots[0] = first;
  slots[1] = second;
  slot_idle = idle;
  return 0;
}

/* `fd` into slot `i` for the child; -1 and -2 (tsvisor's own, /dev/null) need none. */
static int fill_slot(int fd, int i) {
  if (fd < 0) return fd;
  return dup3(fd, slots[i], O_CLOEXEC) < 0 ? -3 : slots[i];
}

/* Once the child has a table of its own (or has ended): the slots let go of its pipes, which would
 * otherwise stay open in tsvisor (no end of output seen until the next spawn). */
static void empty_slots(void) {
  dup3(slot_idle, slots[0], O_CLOEXEC);
  dup3(slot_idle, slots[1], O_CLOEXEC);
}

/* Blocks given back are kept for the next spawns, a few of them: an munmap while children share
 * tsvisor's memory costs every CPU that runs one a TLB flush, and a fresh block its page faults (at
 * 1,000 programs the munmaps alone were ~7 % of tsvisor's start-up thread). A kept block holds the last
 * child's copies until it is reused; they are tsvisor's own memory, which that child has left. */
#define KEPT_BLOCKS 4
static struct block *kept[KEPT_BLOCKS];
static int kept_count = 0;

static struct block *new_block(size_t bytes) {
  int i;
  for (i = 0; i < kept_count; i++) {
    struct block *b = kept[i];
    if (b->bytes < bytes) continue;
    kept[i] = kept[--kept_count];
    return b;
  }
  struct block *b = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b == (void *)-1) return 0;
  b->bytes = bytes;
  return b;
}

static void give_back(struct block *b) {
  if (kept_count < KEPT_BLOCKS) kept[kept_count++] = b;
  else munmap(b, b->bytes);
}

/* Start `path` with `argv` and `envp` (NULL-terminated arrays of pointers) as `request` says. Returns
 * the child's pid once it has done every step before its exec, with its block in *block_out for
 * spawn_finished / spawn_release (which tell whether the exec worked); or -1 with report[0] the step
 * that failed before the exec and report[1] its errno (the child already reaped, nothing to release). */
int spawn_program(const char *path, char *const *argv, char *const *envp, const int *request, const int *groups, const char *cwd, int *report, struct block **block_out) {
  const struct request *r = (const struct request *)request;
  size_t argc, envc, i;
  size_t data = sizeof(struct block) + length(path) + (cwd ? length(cwd) : 0) + vector_bytes(argv, &argc) + vector_bytes(envp, &envc) + (size_t)r->group_count * sizeof(int) + 16;
  size_t bytes = ((data + 15) / 16) * 16 + STACK_BYTES;
  struct block *b = new_block(bytes);
  if (b == 0) {
    report[0] = FORK;
    report[1] = *__errno_location();
    return -1;
  }
  char *at = (char *)(b + 1);
  b->tid = 1;
  b->state = STARTED;
  b->error = 0;
  b->request = *r;
  if (reserve_slots() < 0) {
    report[0] = DESCRIPTORS;
    report[1] = *__errno_location();
    give_back(b);
    return -1;
  }
  b->request.stdout_fd = fill_slot(r->stdout_fd, 0);
  b->request.stderr_fd = b->request.stdout_fd == -3 ? -3 : fill_slot(r->stderr_fd, 1);
  if (b->request.stderr_fd == -3) {
    report[0] = b->request.stdout_fd == -3 ? STDOUT : STDERR;
    report[1] = *__errno_location();
    empty_slots();
    give_back(b);
    return -1;
  }
  b->unshare_below = (slots[0] > slots[1] ? slots[0] : slots[1]) + 1;
  b->path = copy(path, &at);
  b->cwd = cwd ? copy(cwd, &at) : 0;
  at = (char *)(((unsigned long)at + 7) & ~7UL);
  b->argv = copy_vector(argv, argc, &at);
  b->envp = copy_vector(envp, envc, &at);
  at = (char *)(((unsigned long)at + 7) & ~7UL);
  b->groups = (int *)at;
  for (i = 0; i < (size_t)r->group_count; i++) b->groups[i] = groups[i];
  char *stack_top = (char *)b + b->bytes; /* the stack grows down from the block's end */

  unsigned long all = ~0UL, before = 0;
  syscall(SYS_rt_sigprocmask, (long)SIG_SETMASK, &all, &before, 8L);
  int pid = clone(child, stack_top, CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID | SIGCHLD, b, 0, 0, &b->tid);
  int clone_error = *__errno_location();
  syscall(SYS_rt_sigprocmask, (long)SIG_SETMASK, &before, 0L, 8L);
  if (pid < 0) {
    empty_slots();
    give_back(b);
    report[0] = FORK;
    report[1] = clone_error;
    return -1;
  }
  /* Woken by tell(); a child killed before it could tell (SIGKILL from outside) is seen by its tid. */
  struct { long seconds, nanoseconds; } poll = {0, 10 * 1000 * 1000};
  while (b->state == STARTED && b->tid != 0) syscall(SYS_futex, &b->state, (long)FUTEX_WAIT, (long)STARTED, &poll, 0L, 0L);
  /* Past STARTED the child has its own table, or failed to get one and only exits. */
  empty_slots();
  /* An exec that has failed already is told as every exec's failure is, when the child has ended
   * (spawn_finished): whether it came before this thread woke must not change what a user sees. */
  if (b->state != EXECUTING && b->state != EXEC) {
    int status;
    report[0] = b->state; /* STARTED: killed before its first step was done */
    report[1] = b->error;
    while (waitpid(pid, &status, 0) < 0 && *__errno_location() == EINTR) {}
    give_back(b);
    return -1;
  }
  *block_out = b;
  return pid;
}

/* 0: the child may still be using its block; 1: its exec is done (or it exited) and report[] says how
 * it went: report[0] EXECUTING if the exec worked, EXEC with report[1] its errno if not. */
int spawn_finished(struct block *b, int *report) {
  if (b->tid != 0) return 0;
  report[0] = b->state;
  report[1] = b->error;
  return 1;
}

/* Give back a block that spawn_finished called done. */
void spawn_release(struct block *b) {
  give_back(b);
}
