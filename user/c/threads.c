/*
 * threads: glibc pthreads on clone(CLONE_THREAD) and futexes. Create and join with results,
 * pthread_exit, thread ids, TLS (__thread), a mutex-protected counter hammered by many threads,
 * a condition variable (producer/consumer and a start gate), detached threads, a barrier,
 * pthread_kill to one thread, a semaphore, and a busy thread that only the timer can preempt.
 */
#include "common.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>

#define NTHREADS 8
#define ROUNDS 20000

static __thread int tls = 100;
static __thread char tls_name[16] = "main";

static void *square(void *arg)
{
	long n = (long)arg;
	return (void *)(n * n);
}

static void *exits_early(void *arg)
{
	(void)arg;
	pthread_exit((void *)1234);
	return NULL;
}

static pid_t tids[NTHREADS];
static void *ids(void *arg)
{
	long i = (long)arg;
	tids[i] = syscall(SYS_gettid);
	return (void *)(long)(getpid());
}

static void *tls_worker(void *arg)
{
	long i = (long)arg;
	int fresh = tls == 100 && strcmp(tls_name, "main") == 0;
	tls = (int)i;
	snprintf(tls_name, sizeof tls_name, "t%ld", i);
	usleep(1000);
	return (void *)(long)(fresh && tls == i && tls_name[1] == '0' + i);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static void *increment(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* A bounded queue with two condition variables. */
#define QSIZE 4
static int queue[QSIZE], qhead, qlen;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static void put(int v)
{
	pthread_mutex_lock(&lock);
	while (qlen == QSIZE)
		pthread_cond_wait(&not_full, &lock);
	queue[(qhead + qlen++) % QSIZE] = v;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}
static int get(void)
{
	pthread_mutex_lock(&lock);
	while (qlen == 0)
		pthread_cond_wait(&not_empty, &lock);
	int v = queue[qhead];
	qhead = (qhead + 1) % QSIZE;
	qlen--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&lock);
	return v;
}
static void *producer(void *arg)
{
	long base = (long)arg;
	for (int i = 1; i <= 100; i++)
		put(base + i);
	return NULL;
}
static void *consumer(void *arg)
{
	long sum = 0;
	(void)arg;
	for (int i = 0; i < 100; i++)
		sum += get();
	return (void *)sum;
}

static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int open_gate, waiting;
static void *wait_at_gate(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	waiting++;
	while (!open_gate)
		pthread_cond_wait(&gate, &lock);
	waiting--;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static atomic_int detached_done;
static sem_t detached_sem;
static void *detached(void *arg)
{
	(void)arg;
	atomic_fetch_add(&detached_done, 1);
	sem_post(&detached_sem);
	return NULL;
}

static pthread_barrier_t barrier;
static atomic_int before, after_ok;
static void *at_barrier(void *arg)
{
	(void)arg;
	atomic_fetch_add(&before, 1);
	pthread_barrier_wait(&barrier);
	if (atomic_load(&before) == NTHREADS)
		atomic_fetch_add(&after_ok, 1);
	return NULL;
}

static volatile pid_t handled_by;
static void on_usr1(int sig)
{
	(void)sig;
	handled_by = syscall(SYS_gettid);
}
static sem_t ready_sem, stop_sem;
static void *sleeper(void *arg)
{
	*(pid_t *)arg = syscall(SYS_gettid);
	sem_post(&ready_sem);
	while (sem_wait(&stop_sem) != 0) /* EINTR when the signal comes */
		;
	return NULL;
}

static atomic_int spin_stop;
static void *spinner(void *arg)
{
	(void)arg;
	unsigned long n = 0;
	while (!atomic_load(&spin_stop))
		n++;
	return (void *)(long)(n > 0);
}

int main(void)
{
	test_init();
	pthread_t t[NTHREADS];
	void *ret;

	section("create and join");
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, square, (void *)i);
	long sum = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &ret);
		sum += (long)ret;
	}
	printf("sum of squares 0..7: %ld\n", sum);
	pthread_create(&t[0], NULL, exits_early, NULL);
	pthread_join(t[0], &ret);
	printf("pthread_exit value: %ld\n", (long)ret);

	section("ids");
	int same_pid = 1;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, ids, (void *)i);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &ret);
		same_pid &= (long)ret == getpid();
	}
	int distinct = 1;
	for (int i = 0; i < NTHREADS; i++) {
		distinct &= tids[i] != getpid() && tids[i] > 0;
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	}
	check("getpid() is the same in every thread", same_pid);
	check("thread ids are distinct from each other and the pid", distinct);
	check("the main thread's tid is the pid", syscall(SYS_gettid) == getpid());

	section("thread-local storage");
	tls = 7;
	int all_ok = 1;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, tls_worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &ret);
		all_ok &= (long)ret;
	}
	check("each thread starts with the initial values and keeps its own", all_ok);
	printf("main's copy: %d %s\n", tls, tls_name);

	section("mutex");
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, increment, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("counter: %ld (expected %d)\n", counter, NTHREADS * ROUNDS);
	show("trylock on a free mutex", pthread_mutex_trylock(&lock));
	printf("trylock on a held mutex: %s\n", pthread_mutex_trylock(&lock) == EBUSY ? "EBUSY" : "?");
	pthread_mutex_unlock(&lock);

	section("condition variables");
	pthread_t prod[2], cons[2];
	for (long i = 0; i < 2; i++) {
		pthread_create(&prod[i], NULL, producer, (void *)(i * 1000));
		pthread_create(&cons[i], NULL, consumer, NULL);
	}
	long total = 0;
	for (int i = 0; i < 2; i++) {
		pthread_join(prod[i], NULL);
		pthread_join(cons[i], &ret);
		total += (long)ret;
	}
	printf("consumed total: %ld (expected %d)\n", total, 2 * 5050 + 100 * 1000);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, wait_at_gate, NULL);
	for (;;) {
		pthread_mutex_lock(&lock);
		int n = waiting;
		pthread_mutex_unlock(&lock);
		if (n == NTHREADS)
			break;
		usleep(1000);
	}
	pthread_mutex_lock(&lock);
	open_gate = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("broadcast released all %d waiters: %s\n", NTHREADS, waiting == 0 ? "yes" : "no");

	section("detached threads");
	sem_init(&detached_sem, 0, 0);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], &attr, detached, NULL);
	for (int i = 0; i < NTHREADS; i++)
		sem_wait(&detached_sem);
	printf("detached threads ran: %d\n", atomic_load(&detached_done));
	pthread_t self_detach;
	pthread_create(&self_detach, NULL, square, (void *)3);
	show("pthread_detach", pthread_detach(self_detach));

	section("barrier");
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, at_barrier, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("all %d passed the barrier after everyone arrived: %s\n", NTHREADS,
	       atomic_load(&after_ok) == NTHREADS ? "yes" : "no");

	section("signals and threads");
	signal(SIGUSR1, on_usr1);
	sem_init(&ready_sem, 0, 0);
	sem_init(&stop_sem, 0, 0);
	pid_t target;
	pthread_create(&t[0], NULL, sleeper, &target);
	sem_wait(&ready_sem);
	show("pthread_kill(SIGUSR1)", pthread_kill(t[0], SIGUSR1));
	for (int i = 0; i < 1000 && !handled_by; i++)
		usleep(1000);
	check("the handler ran in the target thread", handled_by == target);
	sem_post(&stop_sem);
	pthread_join(t[0], NULL);

	section("preemption");
	pthread_create(&t[0], NULL, spinner, NULL);
	usleep(30000); /* the spinner never blocks: only the timer lets this thread run again */
	atomic_store(&spin_stop, 1);
	pthread_join(t[0], &ret);
	check("the spinning thread ran and stopped", (long)ret == 1);
	puts("done");
	return 0;
}
