/*
 * berth-shim: the monitor that holds one container's (or one exec's) standard streams, outlives the
 * Berth daemon, writes the container log and the exit file, and serves attach clients.
 *
 *   berth-shim create --runtime PATH --runtime-root DIR --id ID --bundle DIR --state-dir DIR --log FILE
 *                     [--tty] [--stdin] [--wait-attach] [--oom-file FILE] [--delete-at-exit]
 *   berth-shim exec   --runtime PATH --runtime-root DIR --id ID --state-dir DIR --process FILE.json
 *                     [--log FILE] [--tty] [--stdin] [--wait-attach]
 *
 * The first process forks and waits for one report line from its child, prints it on stdout and exits
 * 0 ("ok PID") or 1 ("error MESSAGE"). The child is the monitor: a session leader and child subreaper
 * with stdio on /dev/null, running one single-threaded poll() loop. Files in the state dir:
 *   shim.pid      the monitor's pid
 *   attach.sock   Unix stream socket (0600) speaking Berth's attach framing
 *   runtime.log   the runtime's own JSON log (--log ... --log-format json)
 *   init.pid / process.pid   pid file written by the runtime
 *   exit.json     {"exitCode":N,"signal":S,"finishedAt":"..."} written atomically when the process ended
 *   oom-killed    "true" or "false": with --oom-file (the container cgroup's memory.oom_control on cgroup v1,
 *                 memory.events on v2), whether its oom_kill count was above 0 when the process ended; written
 *                 before exit.json, and only when that file could be read
 *
 * With --delete-at-exit a create's monitor runs the runtime's `delete --force ID` itself once exit.json
 * is written, and ends when it is done: the runtime's state and cgroup go while the engine logs the exit,
 * instead of after a round trip through it (the oom_kill count is read before, from the cgroup it removes).
 * The monitor does not say whether that delete worked: the runtime plugin finds out from the runtime's
 * state folder once the monitor has ended, and deletes again if it must.
 *
 * With --wait-attach the monitor reports "ok 0" once attach.sock listens and runs the runtime when a
 * client sends a START frame: for exec its exec, for create its run --detach (create and start in one
 * runtime process, where create then start would take two). STDIN sent before that is queued, and the
 * last RESIZE is applied once the terminal exists. If an exec then fails, or no START comes within
 * 300 s, exit.json gets exitCode 126 and an "error" member. A waiting create answers the client that
 * sent START with a STARTED frame, "ok PID" or "error MESSAGE"; when the runtime failed, or no START came
 * within 300 s, it ends without exit.json: no process ran. Without --stdin, STDIN and STDIN_CLOSE are
 * ignored.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum { F_STDIN = 0, F_STDOUT = 1, F_STDERR = 2, F_STDIN_CLOSE = 3, F_RESIZE = 4, F_EXIT = 5, F_START = 6, F_STARTED = 7 };

#define LINE_MAX_BYTES 16384
#define MAX_FRAME (1u << 20)
#define MAX_CLIENT_BACKLOG (8u << 20)
#define MAX_CLIENTS 64
#define DRAIN_MS 2000
#define STDIN_BACKLOG (4u << 20) /* stop reading clients while this much input waits for the process */
#define START_TIMEOUT_MS (300 * 1000)

struct buf {
    unsigned char *data;
    size_t len, cap;
};

struct client {
    int fd;
    struct buf in, out;
};

struct opts {
    int exec_mode, tty, stdin_open, wait_attach, delete_at_exit;
    const char *runtime, *root, *id, *bundle, *state, *log, *process, *oom_file;
};

static struct opts o;
static int sigfd = -1, listenfd = -1, logfd = -1;
static int outfd = -1, errfd = -1; /* output read ends; outfd is the pty master with --tty */
static int infd = -1;              /* where STDIN frames go: pipe write end or pty master */
static int masterfd = -1;
static int stdin_close_pending;
static struct buf stdin_buf;
static struct buf line[3];
static struct client clients[MAX_CLIENTS];
static int nclients;
static pid_t runtime_pid = -1, target_pid = -1;
static int runtime_status = -1, target_status = -1, target_done;
static char exit_error[1200];
static int pending_rows = -1, pending_cols = -1;
static char console_path[256];

/* pids reaped before the target pid was known */
static struct { pid_t pid; int status; } early[64];
static int nearly;

static void die_oom(void) {
    _exit(3);
}

static void buf_add(struct buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        unsigned char *d = realloc(b->data, cap);
        if (!d) die_oom();
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void buf_drop(struct buf *b, size_t n) {
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

static void buf_free(struct buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void now_rfc3339(char *out, size_t n) {
    struct timespec ts;
    struct tm tm;
    char base[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%09ldZ", base, ts.tv_nsec);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of the valid UTF-8 sequence at p, or 0 when invalid or incomplete. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* Appends p as the body of a JSON string: escapes, keeps valid UTF-8, replaces invalid bytes. */
static void json_escape(struct buf *b, const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_add(b, e, 2);
            i++;
        } else if (c == '\n') {
            buf_add(b, "\\n", 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            buf_add(b, e, 6);
            i++;
        } else if (c < 0x80) {
            buf_add(b, &c, 1);
            i++;
        } else {
            size_t len = utf8_seq(p + i, n - i);
            if (len == 0) {
                buf_add(b, "\\ufffd", 6);
                i++;
            } else {
                buf_add(b, p + i, len);
                i += len;
            }
        }
    }
}

/* Writes all n bytes; 0 on success, -1 on an error other than EINTR. */
static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void log_entry(int stream, const unsigned char *p, size_t n) {
    if (logfd < 0 || n == 0) return;
    struct buf b = {0};
    char ts[64];
    now_rfc3339(ts, sizeof ts);
    buf_add(&b, "{\"time\":\"", 9);
    buf_add(&b, ts, strlen(ts));
    buf_add(&b, "\",\"stream\":\"", 12);
    buf_add(&b, stream == F_STDERR ? "stderr" : "stdout", 6);
    buf_add(&b, "\",\"log\":\"", 9);
    json_escape(&b, p, n);
    buf_add(&b, "\"}\n", 3);
    write_all(logfd, b.data, b.len);
    buf_free(&b);
}

/* Splits new output of one stream into log lines; lines over 16 KiB are cut at a UTF-8 boundary. */
static void log_output(int stream, const unsigned char *p, size_t n) {
    struct buf *l = &line[stream];
    buf_add(l, p, n);
    for (;;) {
        unsigned char *nl = memchr(l->data, '\n', l->len);
        size_t cut;
        if (nl && (size_t)(nl - l->data) < LINE_MAX_BYTES) {
            cut = (size_t)(nl - l->data) + 1;
        } else if (l->len >= LINE_MAX_BYTES) {
            cut = LINE_MAX_BYTES;
            size_t back = 0;
            while (back < 3 && cut - back > 0 && (l->data[cut - back] & 0xC0) == 0x80) back++;
            if (back < 3 && cut - back > 0) cut -= back;
        } else {
            break;
        }
        log_entry(stream, l->data, cut);
        buf_drop(l, cut);
    }
}

static void frame_header(unsigned char h[8], int type, uint32_t len) {
    h[0] = (unsigned char)type;
    h[1] = h[2] = h[3] = 0;
    h[4] = (unsigned char)(len >> 24);
    h[5] = (unsigned char)(len >> 16);
    h[6] = (unsigned char)(len >> 8);
    h[7] = (unsigned char)len;
}

static void drop_client(int i) {
    close(clients[i].fd);
    buf_free(&clients[i].in);
    buf_free(&clients[i].out);
    clients[i] = clients[--nclients];
}

static void send_frame(int i, int type, const void *p, size_t n) {
    unsigned char h[8];
    frame_header(h, type, (uint32_t)n);
    buf_add(&clients[i].out, h, 8);
    buf_add(&clients[i].out, p, n);
}

static void broadcast(int type, const void *p, size_t n) {
    for (int i = nclients - 1; i >= 0; i--) {
        send_frame(i, type, p, n);
        if (clients[i].out.len > MAX_CLIENT_BACKLOG) drop_client(i); /* a client that stopped reading */
    }
}

/* Writes what a client's queue holds without blocking; returns -1 when the client is gone. */
static int flush_client(int i) {
    struct client *c = &clients[i];
    while (c->out.len > 0) {
        ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        buf_drop(&c->out, (size_t)w);
    }
    return 0;
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void apply_resize(void) {
    if (masterfd < 0 || pending_rows < 0) return;
    struct winsize ws = {0};
    ws.ws_row = (unsigned short)pending_rows;
    ws.ws_col = (unsigned short)pending_cols;
    ioctl(masterfd, TIOCSWINSZ, &ws);
}

static void record_child(pid_t pid, int status) {
    if (pid == runtime_pid) {
        runtime_status = status;
        runtime_pid = -1;
    } else if (target_pid > 0 && pid == target_pid) {
        target_status = status;
        target_done = 1;
    } else if (target_pid <= 0 && nearly < (int)(sizeof early / sizeof early[0])) {
        early[nearly].pid = pid;
        early[nearly].status = status;
        nearly++;
    }
}

static void reap(void) {
    struct signalfd_siginfo si;
    while (read(sigfd, &si, sizeof si) > 0) {
    }
    for (;;) {
        int status;
        pid_t p = waitpid(-1, &status, WNOHANG);
        if (p > 0) {
            record_child(p, status);
            continue;
        }
        if (p < 0 && errno == EINTR) continue;
        break;
    }
}

static void set_target(pid_t pid) {
    target_pid = pid;
    for (int i = 0; i < nearly; i++) {
        if (early[i].pid == pid) {
            target_status = early[i].status;
            target_done = 1;
        }
    }
    nearly = 0;
}

static int listen_unix(const char *path) {
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    unlink(path);
    mode_t old = umask(077);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Receives one fd over SCM_RIGHTS from a connection on the console socket. */
static int recv_fd(int conn) {
    char data[256];
    struct iovec iov = {data, sizeof data};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof u.buf;
    ssize_t n;
    do {
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return fd;
        }
    }
    errno = EPROTO;
    return -1;
}

/* Forks and execs argv with the given stdio and default signal handling; the child's pid, or -1. */
static pid_t spawn(char *const argv[], int in, int out, int err) {
    sigset_t none;
    sigemptyset(&none);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/*
 * Runs the runtime with the given stdio and waits for it, accepting the pty master on the console
 * socket meanwhile (so a failing runtime never leaves us blocked in accept). Returns its wait status.
 */
static int run_runtime(char *const argv[], int in, int out, int err, int consfd) {
    pid_t pid = spawn(argv, in, out, err);
    if (pid < 0) return -1;
    runtime_pid = pid;
    runtime_status = -1;
    while (runtime_pid > 0) {
        struct pollfd p[2] = {{sigfd, POLLIN, 0}, {consfd, POLLIN, 0}};
        int n = poll(p, consfd >= 0 ? 2 : 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[0].revents) reap();
        if (consfd >= 0 && (p[1].revents & POLLIN)) {
            int conn = accept4(consfd, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                int m = recv_fd(conn);
                close(conn);
                if (m >= 0) {
                    if (masterfd >= 0) close(masterfd);
                    masterfd = m;
                }
            }
        }
    }
    /* The master may arrive just before the runtime exits; take a connection that is still queued. */
    if (consfd >= 0 && masterfd < 0) {
        int conn = accept4(consfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) {
            masterfd = recv_fd(conn);
            close(conn);
        }
    }
    return runtime_status;
}

/* The last "msg" value of the runtime's JSON log, unescaped, or "" when none. */
static void last_runtime_msg(char *out, size_t n) {
    out[0] = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/runtime.log", o.state);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct buf b = {0};
    char chunk[8192];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0) buf_add(&b, chunk, (size_t)r);
    close(fd);
    buf_add(&b, "", 1);
    const char *key = "\"msg\":\"";
    char *last = NULL, *s = (char *)b.data;
    while ((s = strstr(s, key)) != NULL) {
        last = s + strlen(key);
        s = last;
    }
    if (last) {
        size_t j = 0;
        for (char *c = last; *c && *c != '"' && j + 1 < n; c++) {
            if (*c == '\\' && c[1]) {
                c++;
                char e = *c == 'n' ? ' ' : *c == 't' ? ' ' : *c;
                if (*c == 'u') {
                    c += (strlen(c) >= 5) ? 4 : 0;
                    e = '?';
                }
                out[j++] = e;
            } else if (*c == '\n') {
                out[j++] = ' ';
            } else {
                out[j++] = *c;
            }
        }
        out[j] = 0;
    }
    buf_free(&b);
}

static void describe_status(int status, char *out, size_t n) {
    if (status < 0) snprintf(out, n, "could not be run");
    else if (WIFEXITED(status)) snprintf(out, n, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(out, n, "killed by signal %d", WTERMSIG(status));
    else snprintf(out, n, "ended with status %d", status);
}

static void runtime_error(const char *action, int status, char *out, size_t n) {
    char msg[1024], st[64];
    last_runtime_msg(msg, sizeof msg);
    describe_status(status, st, sizeof st);
    if (msg[0]) snprintf(out, n, "%s %s %s: %s", o.runtime, action, st, msg);
    else snprintf(out, n, "%s %s %s", o.runtime, action, st);
}

static pid_t read_pid_file(const char *name) {
    char path[4096], text[32] = {0};
    snprintf(path, sizeof path, "%s/%s", o.state, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return -1;
    long v = strtol(text, NULL, 10);
    return v > 0 ? (pid_t)v : -1;
}

/* The console socket path: in the state dir when short enough for sun_path, else in /tmp. */
static void console_socket_path(void) {
    snprintf(console_path, sizeof console_path, "%s/console.sock", o.state);
    if (strlen(o.state) + 14 >= sizeof(((struct sockaddr_un *)0)->sun_path) || o.state[0] != '/')
        snprintf(console_path, sizeof console_path, "/tmp/berth-console-%d.sock", (int)getpid());
}

/*
 * Starts the container or exec process through the runtime. Returns 0 and sets target_pid, or -1 with
 * the message in err.
 */
static int launch(char *err, size_t errn) {
    int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int in_r = nullfd, out_w = nullfd, err_w = nullfd;
    int p_in[2] = {-1, -1}, p_out[2] = {-1, -1}, p_err[2] = {-1, -1};
    int consfd = -1;
    if (o.tty) {
        console_socket_path();
        consfd = listen_unix(console_path);
        if (consfd < 0) {
            snprintf(err, errn, "listen on console socket %s: %s", console_path, strerror(errno));
            close(nullfd);
            return -1;
        }
    } else {
        if (pipe2(p_out, O_CLOEXEC) < 0 || pipe2(p_err, O_CLOEXEC) < 0 ||
            (o.stdin_open && pipe2(p_in, O_CLOEXEC) < 0)) {
            snprintf(err, errn, "create pipes: %s", strerror(errno));
            return -1;
        }
        out_w = p_out[1];
        err_w = p_err[1];
        if (o.stdin_open) in_r = p_in[0];
    }
    char logpath[4096], pidpath[4096], rt[4096];
    snprintf(logpath, sizeof logpath, "%s/runtime.log", o.state);
    snprintf(pidpath, sizeof pidpath, "%s/%s", o.state, o.exec_mode ? "process.pid" : "init.pid");
    unlink(pidpath);
    snprintf(rt, sizeof rt, "%s", o.runtime);
    char *argv[32];
    int a = 0;
    argv[a++] = rt;
    argv[a++] = "--root";
    argv[a++] = (char *)o.root;
    argv[a++] = "--log";
    argv[a++] = logpath;
    argv[a++] = "--log-format";
    argv[a++] = "json";
    if (o.exec_mode) {
        argv[a++] = "exec";
        argv[a++] = "--detach";
        argv[a++] = "--pid-file";
        argv[a++] = pidpath;
        argv[a++] = "--process";
        argv[a++] = (char *)o.process;
    } else {
        argv[a++] = o.wait_attach ? "run" : "create";
        if (o.wait_attach) argv[a++] = "--detach";
        argv[a++] = "--bundle";
        argv[a++] = (char *)o.bundle;
        argv[a++] = "--pid-file";
        argv[a++] = pidpath;
    }
    if (o.tty) {
        argv[a++] = "--console-socket";
        argv[a++] = console_path;
    }
    argv[a++] = (char *)o.id;
    argv[a] = NULL;

    int status = run_runtime(argv, in_r, out_w, err_w, consfd);
    if (consfd >= 0) {
        close(consfd);
        unlink(console_path);
    }
    if (p_out[1] >= 0) close(p_out[1]);
    if (p_err[1] >= 0) close(p_err[1]);
    if (p_in[0] >= 0) close(p_in[0]);
    close(nullfd);
    const char *action = o.exec_mode ? "exec" : o.wait_attach ? "run" : "create";
    if (status != 0) {
        runtime_error(action, status, err, errn);
        goto fail;
    }
    pid_t pid = read_pid_file(o.exec_mode ? "process.pid" : "init.pid");
    if (pid <= 0) {
        snprintf(err, errn, "%s %s: wrote no pid file", o.runtime, action);
        goto fail;
    }
    if (o.tty) {
        if (masterfd < 0) {
            snprintf(err, errn, "%s %s: no terminal received on the console socket", o.runtime, action);
            goto fail;
        }
        set_nonblock(masterfd);
        outfd = masterfd;
        infd = masterfd;
        apply_resize();
    } else {
        outfd = p_out[0];
        errfd = p_err[0];
        set_nonblock(outfd);
        set_nonblock(errfd);
        if (o.stdin_open) {
            infd = p_in[1];
            set_nonblock(infd);
        }
    }
    set_target(pid);
    return 0;
fail:
    if (p_out[0] >= 0) close(p_out[0]);
    if (p_err[0] >= 0) close(p_err[0]);
    if (p_in[1] >= 0) close(p_in[1]);
    return -1;
}

static void write_exit_file(char *json, size_t n) {
    int code, sig = 0;
    if (exit_error[0]) {
        code = 126;
    } else if (WIFEXITED(target_status)) {
        code = WEXITSTATUS(target_status);
    } else if (WIFSIGNALED(target_status)) {
        sig = WTERMSIG(target_status);
        code = 128 + sig;
    } else {
        code = -1;
    }
    char ts[64];
    now_rfc3339(ts, sizeof ts);
    if (exit_error[0]) {
        struct buf e = {0};
        json_escape(&e, (const unsigned char *)exit_error, strlen(exit_error));
        buf_add(&e, "", 1);
        snprintf(json, n, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\",\"error\":\"%s\"}", code, sig, ts,
                 (char *)e.data);
        buf_free(&e);
    } else {
        snprintf(json, n, "{\"exitCode\":%d,\"signal\":%d,\"finishedAt\":\"%s\"}", code, sig, ts);
    }
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/exit.json.tmp", o.state);
    snprintf(path, sizeof path, "%s/exit.json", o.state);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return; /* the engine then reports the exit as unknown: nothing better is possible */
    }
    /* Not synced: the engine reads it within milliseconds and logs the exit in its fsynced event log. Only a
       host crash while the engine is down can cut it short, and the engine then reads "exit code unknown". */
    int ok = write_all(fd, json, strlen(json)) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
    }
}

static void stdin_write(void) {
    while (infd >= 0 && stdin_buf.len > 0) {
        ssize_t w = write(infd, stdin_buf.data, stdin_buf.len);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            buf_free(&stdin_buf); /* the reader is gone */
            stdin_close_pending = 0;
            if (infd != masterfd) close(infd);
            infd = -1;
            return;
        }
        buf_drop(&stdin_buf, (size_t)w);
    }
    if (stdin_close_pending && stdin_buf.len == 0 && infd >= 0 && infd != masterfd) {
        close(infd);
        infd = -1;
        stdin_close_pending = 0;
    }
}

/* Gives every client what is queued for it, for DRAIN_MS at most in all, then closes them. */
static void drain_clients(void) {
    long long deadline = now_ms() + DRAIN_MS;
    for (int i = nclients - 1; i >= 0; i--) {
        while (clients[i].out.len > 0 && now_ms() < deadline) {
            if (flush_client(i) < 0) break;
            if (clients[i].out.len > 0) {
                struct pollfd p = {clients[i].fd, POLLOUT, 0};
                poll(&p, 1, 100);
            }
        }
        shutdown(clients[i].fd, SHUT_WR);
        drop_client(i);
    }
}

/* Ends a waiting create that never started a process: no exit file, since nothing ran. */
static void end_unstarted(void) {
    drain_clients();
    if (listenfd >= 0) {
        close(listenfd);
        unlink("attach.sock");
    }
    _exit(0);
}

/* START from client `from`: runs the runtime's exec, or for a waiting create its run --detach. */
static void start_waiting(int from) {
    char err[1200], msg[1300];
    int ok = launch(err, sizeof err) == 0; /* still waiting: a create's launch runs run --detach */
    o.wait_attach = 0;
    if (o.exec_mode) {
        if (!ok) {
            snprintf(exit_error, sizeof exit_error, "%s", err);
            target_done = 1;
        }
        return;
    }
    if (ok) snprintf(msg, sizeof msg, "ok %d", (int)target_pid);
    else snprintf(msg, sizeof msg, "error %s", err);
    if (from >= 0 && from < nclients) send_frame(from, F_STARTED, msg, strlen(msg));
    if (!ok) end_unstarted();
}

static void handle_frame(int from, int type, const unsigned char *p, size_t n) {
    switch (type) {
    case F_STDIN:
        if (o.stdin_open) buf_add(&stdin_buf, p, n); /* without --stdin input is dropped */
        break;
    case F_STDIN_CLOSE:
        if (!o.stdin_open) break;
        if (o.tty) buf_add(&stdin_buf, "\x04", 1); /* EOF at the start of a line on the terminal */
        else stdin_close_pending = 1;
        break;
    case F_RESIZE:
        if (n >= 4) {
            pending_rows = (p[0] << 8) | p[1];
            pending_cols = (p[2] << 8) | p[3];
            apply_resize();
        }
        break;
    case F_START:
        if (o.wait_attach) start_waiting(from);
        break;
    default:
        break;
    }
}

/* Reads from a client and acts on every complete frame; returns -1 when the client is gone. */
static int read_client(int i) {
    unsigned char chunk[65536];
    ssize_t n = recv(clients[i].fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
    if (n == 0) return -1;
    struct buf *in = &clients[i].in;
    buf_add(in, chunk, (size_t)n);
    while (in->len >= 8) {
        uint32_t len = ((uint32_t)in->data[4] << 24) | ((uint32_t)in->data[5] << 16) |
                       ((uint32_t)in->data[6] << 8) | in->data[7];
        if (len > MAX_FRAME) return -1;
        if (in->len < 8 + (size_t)len) break;
        int type = in->data[0];
        unsigned char *payload = malloc(len ? len : 1);
        if (!payload) die_oom();
        memcpy(payload, in->data + 8, len);
        buf_drop(in, 8 + (size_t)len);
        handle_frame(i, type, payload, len);
        free(payload);
    }
    return 0;
}

/* Reads one chunk of output; returns -1 at end of stream. */
static int read_output(int fd, int stream) {
    unsigned char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1; /* EIO: the terminal closed */
    if (n == 0) return -1;
    log_output(stream, chunk, (size_t)n);
    broadcast(stream, chunk, (size_t)n);
    return 0;
}

/* The oom_kill count in a cgroup's memory.oom_control (v1) or memory.events (v2), or -1 when unreadable. */
static long long read_oom_kills(const char *file) {
    FILE *f = fopen(file, "re");
    if (!f) return -1;
    char name[64];
    long long value, kills = 0;
    while (fscanf(f, "%63s %lld", name, &value) == 2) {
        if (strcmp(name, "oom_kill") == 0) kills = value;
    }
    fclose(f);
    return kills;
}

/* Records whether the OOM killer acted in the container's cgroup, which the runtime removes at its delete. */
static void write_oom_file(void) {
    long long kills = read_oom_kills(o.oom_file);
    if (kills < 0) return; /* no such cgroup or controller: the plugin reads it itself, if it still can */
    const char *text = kills > 0 ? "true\n" : "false\n";
    int fd = open("oom-killed.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    int ok = write_all(fd, text, strlen(text)) == 0;
    close(fd);
    if (!ok || rename("oom-killed.tmp", "oom-killed") != 0) unlink("oom-killed.tmp");
}

/*
 * Starts `RUNTIME --root DIR delete --force ID` with the monitor's own stdio, which monitor() put on
 * /dev/null; its pid, or -1.
 */
static pid_t start_delete(void) {
    char *argv[] = {(char *)o.runtime, "--root", (char *)o.root, "delete", "--force", (char *)o.id, NULL};
    return spawn(argv, 0, 1, 2);
}

static void finish(void) {
    char json[1024];
    for (int s = 1; s <= 2; s++) {
        if (line[s].len > 0) log_entry(s, line[s].data, line[s].len);
    }
    /* Give up the attach socket before the exit is visible: once exit.json exists the engine may start
       the container again with a new monitor binding the same path, which we must not unlink. */
    char path[4096];
    snprintf(path, sizeof path, "%s/attach.sock", o.state);
    if (listenfd >= 0) {
        close(listenfd);
        listenfd = -1;
        unlink(path);
    }
    if (o.oom_file) write_oom_file();
    write_exit_file(json, sizeof json);
    broadcast(F_EXIT, json, strlen(json));
    pid_t deleter = o.delete_at_exit ? start_delete() : -1;
    drain_clients();
    if (logfd >= 0) close(logfd);
    while (deleter > 0) {
        int st;
        pid_t p = waitpid(-1, &st, 0); /* the deleter, and whatever the runtime left to this subreaper */
        if (p == deleter || (p < 0 && errno != EINTR)) break;
    }
    _exit(0);
}

static void loop(void) {
    long long drain_deadline = -1;
    long long start_deadline = o.wait_attach ? now_ms() + START_TIMEOUT_MS : -1;
    for (;;) {
        if (o.wait_attach && now_ms() >= start_deadline) {
            if (!o.exec_mode) end_unstarted();
            snprintf(exit_error, sizeof exit_error, "no client sent START within %d s", START_TIMEOUT_MS / 1000);
            o.wait_attach = 0;
            target_done = 1;
        }
        if (target_done && drain_deadline < 0) drain_deadline = now_ms() + DRAIN_MS;
        if (target_done && ((outfd < 0 && errfd < 0) || now_ms() >= drain_deadline)) finish();
        struct pollfd p[6 + MAX_CLIENTS];
        int idx_sig, idx_listen = -1, idx_out = -1, idx_err = -1, idx_in = -1, base, n = 0;
        p[n] = (struct pollfd){sigfd, POLLIN, 0};
        idx_sig = n++;
        if (listenfd >= 0 && nclients < MAX_CLIENTS) {
            p[n] = (struct pollfd){listenfd, POLLIN, 0};
            idx_listen = n++;
        }
        if (outfd >= 0) {
            short ev = POLLIN;
            if (infd == outfd && stdin_buf.len > 0) ev |= POLLOUT; /* the pty master carries both ways */
            p[n] = (struct pollfd){outfd, ev, 0};
            idx_out = n++;
        }
        if (errfd >= 0) {
            p[n] = (struct pollfd){errfd, POLLIN, 0};
            idx_err = n++;
        }
        if (infd >= 0 && infd != outfd && stdin_buf.len > 0) {
            p[n] = (struct pollfd){infd, POLLOUT, 0};
            idx_in = n++;
        }
        base = n;
        for (int i = 0; i < nclients; i++) {
            short ev = (short)((stdin_buf.len < STDIN_BACKLOG ? POLLIN : 0) | (clients[i].out.len ? POLLOUT : 0));
            p[n++] = (struct pollfd){clients[i].fd, ev, 0};
        }
        int timeout = -1;
        if (target_done) timeout = (int)(drain_deadline - now_ms());
        else if (o.wait_attach) timeout = (int)(start_deadline - now_ms());
        if (timeout < -1) timeout = 0;
        int r = poll(p, (nfds_t)n, timeout);
        if (r < 0) {
            if (errno == EINTR) continue;
            finish();
        }
        if (p[idx_sig].revents) reap();
        /* Clients first (their indices shift when one is dropped), from the end. */
        int count = n - base;
        for (int i = count - 1; i >= 0; i--) {
            short ev = p[base + i].revents;
            if (i >= nclients || !ev) continue;
            int gone = 0;
            if (ev & (POLLIN | POLLHUP | POLLERR)) gone = read_client(i) < 0;
            if (!gone && (ev & POLLOUT)) gone = flush_client(i) < 0;
            if (gone) drop_client(i);
        }
        if (idx_listen >= 0 && (p[idx_listen].revents & POLLIN)) {
            int c = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c >= 0) {
                clients[nclients] = (struct client){.fd = c};
                nclients++;
            }
        }
        if (idx_out >= 0 && (p[idx_out].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (read_output(outfd, F_STDOUT) < 0) {
                if (outfd != masterfd) close(outfd);
                outfd = -1;
            }
        }
        if (idx_err >= 0 && p[idx_err].revents) {
            if (read_output(errfd, F_STDERR) < 0) {
                close(errfd);
                errfd = -1;
            }
        }
        if (idx_in >= 0 || (infd >= 0 && infd == outfd) || stdin_close_pending) stdin_write();
        for (int i = nclients - 1; i >= 0; i--) {
            if (clients[i].out.len && flush_client(i) < 0) drop_client(i);
        }
    }
}

static void usage(const char *why) {
    printf("error %s\n", why);
    fflush(stdout);
    exit(1);
}

static void parse(int argc, char **argv) {
    if (argc < 2) usage("usage: berth-shim create|exec --runtime PATH --runtime-root DIR --id ID ...");
    if (strcmp(argv[1], "exec") == 0) o.exec_mode = 1;
    else if (strcmp(argv[1], "create") != 0) usage("first argument must be create or exec");
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--tty") == 0) o.tty = 1;
        else if (strcmp(a, "--stdin") == 0) o.stdin_open = 1;
        else if (strcmp(a, "--wait-attach") == 0) o.wait_attach = 1;
        else if (strcmp(a, "--delete-at-exit") == 0) o.delete_at_exit = 1;
        else if (strcmp(a, "--oom-file") == 0) target = &o.oom_file;
        else if (strcmp(a, "--runtime") == 0) target = &o.runtime;
        else if (strcmp(a, "--runtime-root") == 0) target = &o.root;
        else if (strcmp(a, "--id") == 0) target = &o.id;
        else if (strcmp(a, "--bundle") == 0) target = &o.bundle;
        else if (strcmp(a, "--state-dir") == 0) target = &o.state;
        else if (strcmp(a, "--log") == 0) target = &o.log;
        else if (strcmp(a, "--process") == 0) target = &o.process;
        else {
            char m[512];
            snprintf(m, sizeof m, "unknown option %s", a);
            usage(m);
        }
        if (target) {
            if (i + 1 >= argc) usage("option needs a value");
            *target = argv[++i];
        }
    }
    if (!o.runtime || !o.root || !o.id || !o.state)
        usage("--runtime, --runtime-root, --id and --state-dir are required");
    if (!o.exec_mode && (!o.bundle || !o.log)) usage("create needs --bundle and --log");
    if (o.exec_mode && !o.process) usage("exec needs --process");
    if (o.exec_mode && (o.delete_at_exit || o.oom_file)) usage("--delete-at-exit and --oom-file are for create only");
    if (o.state[0] != '/') usage("--state-dir must be absolute");
}

static void report(int fd, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *c = msg; *c; c++) {
        if (*c == '\n' || *c == '\r') *c = ' ';
    }
    size_t len = strlen(msg);
    msg[len] = '\n';
    write_all(fd, msg, len + 1);
}

static void monitor(int rep) {
    char path[4096], err[1200];
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int nullfd = open("/dev/null", O_RDWR);
    if (nullfd >= 0) {
        dup2(nullfd, 0);
        dup2(nullfd, 1);
        dup2(nullfd, 2);
        if (nullfd > 2) close(nullfd);
    }
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) {
        report(rep, "error signalfd: %s", strerror(errno));
        _exit(1);
    }
    if (chdir(o.state) < 0) {
        report(rep, "error state dir %s: %s", o.state, strerror(errno));
        _exit(1);
    }
    snprintf(path, sizeof path, "%s/shim.pid", o.state);
    int pf = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (pf >= 0) {
        char t[32];
        snprintf(t, sizeof t, "%d\n", (int)getpid());
        write_all(pf, t, strlen(t));
        close(pf);
    }
    snprintf(path, sizeof path, "%s/exit.json", o.state);
    unlink(path);
    /* Bound relative to the state dir (our cwd) so long state paths still fit in sun_path. */
    listenfd = listen_unix("attach.sock");
    if (listenfd < 0) {
        report(rep, "error listen on %s/attach.sock: %s", o.state, strerror(errno));
        _exit(1);
    }
    if (o.log) {
        logfd = open(o.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (logfd < 0) {
            report(rep, "error open log %s: %s", o.log, strerror(errno));
            unlink("attach.sock");
            _exit(1);
        }
    }
    if (o.wait_attach) {
        /* stdin queued before START is written once the process exists */
        report(rep, "ok 0");
        close(rep);
        loop();
    }
    if (launch(err, sizeof err) < 0) {
        report(rep, "error %s", err);
        unlink("attach.sock");
        _exit(1);
    }
    report(rep, "ok %d", (int)target_pid);
    close(rep);
    loop();
}

int main(int argc, char **argv) {
    parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    int rep[2];
    if (pipe2(rep, O_CLOEXEC) < 0) usage("pipe failed");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) usage("fork failed");
    if (pid == 0) {
        close(rep[0]);
        monitor(rep[1]);
        _exit(0);
    }
    close(rep[1]);
    char line_buf[2048];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(rep[0], line_buf + n, sizeof line_buf - 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
        if (memchr(line_buf, '\n', n) || n >= sizeof line_buf - 1) break;
    }
    line_buf[n] = 0;
    char *nl = strchr(line_buf, '\n');
    if (nl) *nl = 0;
    if (n == 0) {
        int st;
        waitpid(pid, &st, 0);
        printf("error monitor exited before reporting\n");
        return 1;
    }
    printf("%s\n", line_buf);
    fflush(stdout);
    return strncmp(line_buf, "ok ", 3) == 0 ? 0 : 1;
}
