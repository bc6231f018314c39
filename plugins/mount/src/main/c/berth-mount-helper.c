/*
 * berth-mount-helper: mount(2) and umount(2) for the mount stage, one long-lived process instead of a
 * mount(8) or umount(8) process per call. Java cannot make these system calls, and starting a process
 * costs about 10 ms on a small VM, twice per `berth run --rm`; the calls themselves take about 1 ms.
 *
 * Requests arrive on standard input, each an operation byte followed by NUL-terminated fields:
 *   'M' FSTYPE SOURCE OPTIONS TARGET   mount(SOURCE, TARGET, FSTYPE, 0, OPTIONS)
 *   'U' TARGET                         umount(TARGET)
 * Each gets one answer line on standard output: "0" when the call succeeded, else "ERRNO TEXT" (the
 * strerror text), or "22 bad request: WHY" for a request it cannot read. End of input (the daemon closed
 * the pipe, or died: only the daemon holds the pipe's other end) ends the helper. No PR_SET_PDEATHSIG:
 * it fires when the daemon thread that started the helper ends, and pool threads end while the daemon
 * lives on.
 *
 * The helper takes no mount flags: the mount stage passes only filesystem options (lowerdir, upperdir,
 * workdir), which mount(8) would hand to the kernel unchanged as well.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* One page: the kernel copies at most that much of mount options; paths are bounded by PATH_MAX. */
#define FIELD_MAX 8192

/* Reads one NUL-terminated field; returns 1, 0 at a clean end of input before the field, -1 on error. */
static int read_field(char *buf, const char *name, char *why, size_t why_len) {
    size_t n = 0;
    for (;;) {
        int c = getchar();
        if (c == EOF) {
            if (n == 0 && feof(stdin)) {
                return 0;
            }
            snprintf(why, why_len, "input ended inside the %s field", name);
            return -1;
        }
        if (n == FIELD_MAX - 1 && c != 0) {
            snprintf(why, why_len, "the %s field is longer than %d bytes", name, FIELD_MAX - 1);
            return -1;
        }
        buf[n++] = (char)c;
        if (c == 0) {
            return 1;
        }
    }
}

static void answer(int err, const char *text) {
    if (err == 0) {
        fputs("0\n", stdout);
    } else {
        printf("%d %s\n", err, text);
    }
    fflush(stdout);
}

int main(void) {
    static char fstype[FIELD_MAX], source[FIELD_MAX], options[FIELD_MAX], target[FIELD_MAX];
    char why[128];
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int op = getchar();
        if (op == EOF) {
            return 0;
        }
        if (op == 'M') {
            if (read_field(fstype, "fstype", why, sizeof why) != 1
                    || read_field(source, "source", why, sizeof why) != 1
                    || read_field(options, "options", why, sizeof why) != 1
                    || read_field(target, "target", why, sizeof why) != 1) {
                answer(EINVAL, why);
                return 1;
            }
            int err = mount(source, target, fstype, 0, options) == 0 ? 0 : errno;
            answer(err, strerror(err));
        } else if (op == 'U') {
            if (read_field(target, "target", why, sizeof why) != 1) {
                answer(EINVAL, why);
                return 1;
            }
            int err = umount(target) == 0 ? 0 : errno;
            answer(err, strerror(err));
        } else {
            snprintf(why, sizeof why, "bad request: unknown operation byte 0x%02x", op & 0xff);
            answer(EINVAL, why);
            return 1;
        }
    }
}
