/*
 * The least a ptrace-based tracer can do per system call: stop at its entry and exit
 * (wait4, then PTRACE_SYSCALL), and, with "info", ask PTRACE_GET_SYSCALL_INFO at each
 * stop. It decodes and prints nothing. bench/trace.py times it beside strace and
 * sysbridge trace, so that the ratios can be read against what the kernel's round
 * trip alone costs on the machine.
 *
 * Usage: ptrace_floor wait|info COMMAND [ARG...]
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s wait|info COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	int info = strcmp(argv[1], "info") == 0;
	pid_t child = fork();
	if (child == 0) {
		raise(SIGSTOP);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	waitpid(child, NULL, WSTOPPED);
	ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	kill(child, SIGCONT);
	struct __ptrace_syscall_info si;
	for (;;) {
		int status;
		pid_t pid = wait4(-1, &status, __WALL, NULL);
		if (pid < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			break;
		int sig = 0;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			if (info)
				ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof si, &si);
		} else if (status >> 16 == 0) {
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, pid, 0, sig);
	}
	return 0;
}
