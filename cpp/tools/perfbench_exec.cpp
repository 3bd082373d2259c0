// perfbench-exec: runs one command iteration and reports what the kernel measured of it.
//
//   perfbench-exec RESULT_FD COMMAND [ARG...]
//
// Why a separate launcher: Linux copies the old memory image's high-water mark into a
// process's ru_maxrss when it execs, so a command forked straight from the Python runner
// reports the runner's ~80 MB as its peak (measured: an 8 MB Python command read 80 MB).
// Forked from this small image instead, the command's ru_maxrss is its own. The launcher
// also times fork..wait4 with CLOCK_MONOTONIC itself, so Python's process-creation cost
// stays out of the command's wall time.
//
// It makes itself a session (and process-group) leader first, so the runner can kill the
// launcher and the whole command tree with one killpg, and a child subreaper, so that a
// descendant that daemonises (double fork + setsid) is re-parented to the launcher instead of
// PID 1 and stays findable as part of the tree on a timeout. RESULT_FD is made close-on-exec
// before the command is forked: a daemon the command leaves behind must not hold a copy of
// the runner's report pipe, or the runner would see no end of file until the daemon exits.
// On exit it writes one line to RESULT_FD:
//   wall_ns utime_us stime_us maxrss_kb inblock oublock wait_status exec_errno
// and exits with the command's status (128 + signal if it was killed).
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>

namespace {

long long monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

long long microseconds(const timeval& tv) { return static_cast<long long>(tv.tv_sec) * 1'000'000LL + tv.tv_usec; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: perfbench-exec RESULT_FD COMMAND [ARG...]\n");
        return 125;
    }
    const int result_fd = std::atoi(argv[1]);
    if (fcntl(result_fd, F_SETFD, FD_CLOEXEC) != 0) return 125;  // a bad RESULT_FD: nowhere to report
    setsid();  // fails only if already a group leader, which is fine too
    // Linux only (3.4+); where it fails, a daemon escapes to PID 1 as it would without it.
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);

    // exec failures travel back through a close-on-exec pipe: a successful exec closes it
    // unwritten, a failed one writes errno.
    int exec_error[2];
    if (pipe2(exec_error, O_CLOEXEC) != 0) return 125;

    const long long began = monotonic_ns();
    const pid_t child = fork();
    if (child < 0) return 125;
    if (child == 0) {
        close(exec_error[0]);
        execvp(argv[2], argv + 2);
        const int err = errno;
        (void)!write(exec_error[1], &err, sizeof(err));
        _exit(127);
    }
    close(exec_error[1]);

    int status = 0;
    rusage usage{};
    // As a subreaper, the launcher also inherits the command's orphans: reap them as they end
    // (their rusage is not the command's, as it was not when PID 1 reaped them), so that a
    // command that daemonises many short-lived helpers leaves no zombies piling up here.
    for (;;) {
        int reaped_status = 0;
        rusage reaped_usage{};
        const pid_t reaped = wait4(-1, &reaped_status, 0, &reaped_usage);
        if (reaped == child) {
            status = reaped_status;
            usage = reaped_usage;
            break;
        }
        if (reaped < 0 && errno != EINTR) return 125;
    }
    const long long wall = monotonic_ns() - began;

    int exec_errno = 0;
    if (read(exec_error[0], &exec_errno, sizeof(exec_errno)) != static_cast<ssize_t>(sizeof(exec_errno)))
        exec_errno = 0;
    close(exec_error[0]);

    char line[256];
    const int length = std::snprintf(line, sizeof(line), "%lld %lld %lld %ld %ld %ld %d %d\n", wall,
                                     microseconds(usage.ru_utime), microseconds(usage.ru_stime), usage.ru_maxrss,
                                     usage.ru_inblock, usage.ru_oublock, status, exec_errno);
    (void)!write(result_fd, line, static_cast<size_t>(length));
    close(result_fd);

    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 125;
}
