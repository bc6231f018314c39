/*
 * bin/berth: the berth command, and the fast path of its CLI.
 *
 * A JVM takes about 150 ms to start on a small machine, more than a whole `berth ps` should. This
 * program starts in about a millisecond, hands its command line to the running daemon's CLI socket
 * (cli.sock, next to the API socket named by -H/--host or BERTH_HOST) and relays what comes back: the
 * daemon runs the same Java CLI for it, already loaded and compiled (dev.berth.launcher.daemon.CliSocket,
 * which documents the protocol). It runs lib/berth-jvm (the script that starts a JVM) instead for
 * `berth daemon`, when the caller set BERTH_JVM_CLIENT=1, when there is no such socket, or when the daemon
 * answers that the command needs the caller's own process (standard input, a terminal, a local file); the
 * last three with BERTH_JVM_CLIENT=1, and always before anything was printed. A connection lost after the
 * request was sent is an error, never a fallback: the command may have run, and must not run twice.
 *
 * Why it is bin/berth itself and not a helper a script starts: bash took 4 ms to get there, more than this
 * program's whole exchange with the daemon (about 3 ms for `berth version`). The distribution's home is the
 * folder above the one this binary is in, found through /proc/self/exe, so a symbolic link to it works.
 * SIGINT and SIGTERM are passed on to the daemon's session (an attached `berth run` forwards them to the
 * container, as Docker's sig-proxy does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_HOST "unix:///run/berth/berth.sock"
#define CLI_SOCKET "cli.sock"
#define MAX_FRAME (1 << 20)
#define EXIT_UNREACHABLE 3

static char **saved_argv;
static int signal_pipe[2] = {-1, -1};

/*
 * Executes lib/berth-jvm of this distribution with the same arguments, with BERTH_JVM_CLIENT=1 when
 * jvm_client; does not return.
 */
static void run_jvm(int jvm_client) {
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0 || (size_t) n >= sizeof path - 1) {
        fprintf(stderr, "berth: cannot find the distribution: readlink /proc/self/exe: %s\n",
                n < 0 ? strerror(errno) : "path too long");
        exit(EXIT_UNREACHABLE);
    }
    path[n] = '\0';
    /* <home>/bin/berth -> <home>/lib/berth-jvm */
    char *slash = strrchr(path, '/');
    if (slash != NULL) {
        *slash = '\0';
        slash = strrchr(path, '/');
    }
    const char *jvm = "/lib/berth-jvm";
    if (slash == NULL || (size_t) (slash - path) + strlen(jvm) >= sizeof path) {
        fprintf(stderr, "berth: cannot find the distribution above %s\n", path);
        exit(EXIT_UNREACHABLE);
    }
    strcpy(slash, jvm);
    if (jvm_client) {
        setenv("BERTH_JVM_CLIENT", "1", 1);
    }
    saved_argv[0] = path;
    execv(path, saved_argv);
    fprintf(stderr, "berth: cannot run %s: %s\n", path, strerror(errno));
    exit(EXIT_UNREACHABLE);
}

/* Runs the JVM CLI with the same arguments; does not return. */
static void fall_back(void) {
    run_jvm(1);
}

static int write_all(int fd, const void *data, size_t length) {
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        length -= (size_t) n;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t length) {
    char *p = data;
    while (length > 0) {
        ssize_t n = read(fd, p, length);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            return -1;
        }
        p += n;
        length -= (size_t) n;
    }
    return 0;
}

static int send_frame(int fd, char type, const char *payload, size_t length) {
    unsigned char header[5] = {(unsigned char) type, (unsigned char) (length >> 24), (unsigned char) (length >> 16),
                               (unsigned char) (length >> 8), (unsigned char) length};
    if (length > MAX_FRAME) {
        return -1;
    }
    if (write_all(fd, header, sizeof header) < 0) {
        return -1;
    }
    return length == 0 ? 0 : write_all(fd, payload, length);
}

/* The API endpoint the CLI would use: the leading -H/--host option, else BERTH_HOST, else the default. */
static const char *endpoint(int argc, char **argv) {
    for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
        if ((strcmp(argv[i], "-H") == 0 || strcmp(argv[i], "--host") == 0) && i + 1 < argc) {
            return argv[i + 1];
        }
        if (strncmp(argv[i], "--host=", 7) == 0) {
            return argv[i] + 7;
        }
        if (strcmp(argv[i], "-H") == 0 || strcmp(argv[i], "--host") == 0) {
            return NULL;   /* a usage error: the JVM CLI words it */
        }
    }
    const char *env = getenv("BERTH_HOST");
    return env != NULL && env[0] != '\0' ? env : DEFAULT_HOST;
}

/* Connects to cli.sock beside the unix:// API socket; -1 when there is none to use. */
static int connect_cli(const char *host) {
    if (host == NULL || strncmp(host, "unix://", 7) != 0) {
        return -1;   /* TCP (TLS) stays with the JVM CLI */
    }
    const char *api = host + 7;
    const char *slash = strrchr(api, '/');
    if (slash == NULL) {
        return -1;
    }
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t folder = (size_t) (slash - api) + 1;
    if (folder + strlen(CLI_SOCKET) >= sizeof address.sun_path) {
        return -1;
    }
    memcpy(address.sun_path, api, folder);
    strcpy(address.sun_path + folder, CLI_SOCKET);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &address, sizeof address) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void on_signal(int signal) {
    char which = signal == SIGINT ? 'I' : 'T';
    int saved = errno;
    if (write(signal_pipe[1], &which, 1) < 0) {
        /* the pipe is full: the daemon has enough signals to act on */
    }
    errno = saved;
}

static int send_request(int fd, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (send_frame(fd, 'A', argv[i], strlen(argv[i])) < 0) {
            return -1;
        }
    }
    for (char **entry = environ; *entry != NULL; entry++) {
        if (strncmp(*entry, "BERTH_JVM_CLIENT=", 17) != 0 && send_frame(fd, 'E', *entry, strlen(*entry)) < 0) {
            return -1;
        }
    }
    char terminal[3] = {isatty(0) ? '1' : '0', isatty(1) ? '1' : '0', isatty(2) ? '1' : '0'};
    if (send_frame(fd, 'T', terminal, sizeof terminal) < 0) {
        return -1;
    }
    return send_frame(fd, 'R', NULL, 0);
}

int main(int argc, char **argv) {
    saved_argv = argv;
    if (argc > 1 && strcmp(argv[1], "daemon") == 0) {
        run_jvm(0);
    }
    const char *jvm_client = getenv("BERTH_JVM_CLIENT");
    if (jvm_client != NULL && jvm_client[0] != '\0') {
        fall_back();
    }
    int fd = connect_cli(endpoint(argc, argv));
    if (fd < 0) {
        fall_back();
    }
    signal(SIGPIPE, SIG_IGN);
    if (send_request(fd, argc, argv) < 0) {
        close(fd);
        fall_back();
    }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
        struct sigaction action = {.sa_handler = on_signal};
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, NULL);
        sigaction(SIGTERM, &action, NULL);
    }

    int answered = 0;   /* whether any output or an exit came: after that, no fallback */
    int signals = 0;    /* SIGINT/SIGTERM passed on so far */
    char *payload = malloc(MAX_FRAME);
    if (payload == NULL) {
        fprintf(stderr, "berth: out of memory\n");
        return EXIT_UNREACHABLE;
    }
    struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = signal_pipe[0], .events = POLLIN}};
    for (;;) {
        int ready = poll(fds, signal_pipe[0] >= 0 ? 2 : 1, -1);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (signal_pipe[0] >= 0 && (fds[1].revents & POLLIN)) {
            char which;
            while (read(signal_pipe[0], &which, 1) == 1) {
                const char *name = which == 'I' ? "INT" : "TERM";
                if (++signals > 3) {
                    /* The daemon acts on the third itself (see ContainerAttach); a fourth means it does not
                       answer: leave as the signal would have ended us. */
                    fprintf(stderr, "berth: the daemon did not end the command; leaving it\n");
                    return which == 'I' ? 130 : 143;
                }
                send_frame(fd, 'S', name, strlen(name));
            }
        }
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        unsigned char header[5];
        if (read_all(fd, header, sizeof header) < 0) {
            break;
        }
        uint32_t length = (uint32_t) header[1] << 24 | (uint32_t) header[2] << 16 | (uint32_t) header[3] << 8
                          | (uint32_t) header[4];
        if (length > MAX_FRAME || read_all(fd, payload, length) < 0) {
            break;
        }
        switch (header[0]) {
        case '1':
        case '2':
            answered = 1;
            if (write_all(header[0] == '1' ? 1 : 2, payload, length) < 0 && errno == EPIPE) {
                return 141;   /* as a shell reports a process ended by SIGPIPE */
            }
            break;
        case 'X':
            if (length != 4) {
                goto broken;
            }
            return (int) ((uint32_t) (unsigned char) payload[0] << 24 | (uint32_t) (unsigned char) payload[1] << 16
                          | (uint32_t) (unsigned char) payload[2] << 8 | (uint32_t) (unsigned char) payload[3]);
        case 'F':
            if (answered) {
                goto broken;
            }
            close(fd);
            fall_back();
            break;
        default:
            goto broken;
        }
    }
broken:
    /* Not a fallback: the daemon had the whole request and may have acted on it; never run it twice. */
    fprintf(stderr, "berth: lost the connection to the berth daemon's CLI socket%s\n",
            answered ? "" : " before it answered (the command may or may not have run)");
    return EXIT_UNREACHABLE;
}
