/*
 * faultloop: a child whose SIGSEGV handler returns, so the store it faults on faults again, for
 * ever (found by the kernel fuzzer). Nearly all of its time is spent in the kernel, handling the
 * fault and the handler's sigreturn; the slice ends there, not in user mode. The kernel must
 * still preempt it: the parent, sleeping, must wake up, kill it and reap it. (A kernel that
 * re-armed an expired timer on the way back to user mode never preempted such a child.)
 */
#include "common.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sched.h>
#include <time.h>

static volatile unsigned long *faults;

static void on_segv(int sig)
{
	(void)sig;
	++*faults; /* and return: the store faults again */
}

int main(void)
{
	test_init();
	faults = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap", faults != MAP_FAILED && ro != MAP_FAILED);
	for (int round = 0; round < 3; round++) {
		*faults = 0;
		pid_t pid = fork();
		if (pid == 0) {
			signal(SIGSEGV, on_segv);
			*(volatile char *)ro = 1;
			_exit(1); /* never reached */
		}
		/* Work without sleeping (a sleeper's deadline would preempt the child): the parent
		 * gets the CPU back only when the child's slice ends. */
		while (*faults < 2)
			sched_yield();
		for (int i = 0; i < 20000; i++)
			getppid();
		check("the child faulted again and again", *faults > 1);
		show("kill(child, SIGKILL)", kill(pid, SIGKILL));
		int status = 0;
		show("waitpid", waitpid(pid, &status, 0) == pid);
		printf("child killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	}
	puts("faultloop: done");
	return 0;
}
