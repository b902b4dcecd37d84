/*
 * unix: AF_UNIX sockets between processes: socketpair streams, a named listener with clients,
 * abstract names, datagrams with senders' names, seqpacket boundaries, SCM_RIGHTS, SO_PEERCRED,
 * options, shutdown, poll/epoll readiness, and the errors. Diffed against Linux (qemu-riscv64).
 */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define SOCK_PATH "unix-test.sock"

static socklen_t addr_of(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (abstract) {
		a->sun_path[0] = 0;
		memcpy(a->sun_path + 1, path, strlen(path));
		return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
	}
	strcpy(a->sun_path, path);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void pairs(void)
{
	section("socketpair");
	int sv[2];
	show("socketpair(AF_UNIX, SOCK_STREAM)", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid_t pid = fork();
	if (pid == 0) {
		char buf[64];
		close(sv[0]);
		ssize_t n;
		while ((n = read(sv[1], buf, sizeof buf)) > 0)
			for (ssize_t i = 0; i < n; i++)
				buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i];
		_exit(0);
	}
	close(sv[1]);
	show("send", send(sv[0], "hello", 5, 0));
	char buf[64] = {0};
	show("shutdown(SHUT_WR)", shutdown(sv[0], SHUT_WR));
	waitpid(pid, NULL, 0);
	show("read after the child ended", read(sv[0], buf, sizeof buf));
	expect_err("send after SHUT_WR (MSG_NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	signal(SIGPIPE, SIG_IGN);
	close(sv[1]);
	expect_err("write to a closed peer", write(sv[0], "x", 1), EPIPE);
	show("read from a closed peer", read(sv[0], buf, 1));
	close(sv[0]);
	signal(SIGPIPE, SIG_DFL);

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
	check("nonblocking", fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	check("close-on-exec", fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
	expect_err("recv, nothing there", recv(sv[0], buf, 1, 0), EAGAIN);
	send(sv[1], "abcdef", 6, 0);
	show("MSG_PEEK", recv(sv[0], buf, 3, MSG_PEEK));
	show("then read", recv(sv[0], buf, 64, 0));
	printf("got %.6s\n", buf);
	struct stat st;
	fstat(sv[0], &st);
	printf("fstat: socket %s\n", S_ISSOCK(st.st_mode) ? "yes" : "no");
	close(sv[0]);
	close(sv[1]);
}

static void named(void)
{
	section("a named listener");
	unlink(SOCK_PATH);
	struct sockaddr_un a, b;
	socklen_t len = addr_of(&a, SOCK_PATH, 0);
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err("listen before bind", listen(srv, 5), EINVAL);
	show("bind", bind(srv, (struct sockaddr *)&a, len));
	struct stat st;
	show("stat the name", stat(SOCK_PATH, &st));
	printf("a socket node: %s\n", S_ISSOCK(st.st_mode) ? "yes" : "no");
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err("bind the same name", bind(other, (struct sockaddr *)&a, len), EADDRINUSE);
	expect_err("bind again, same name", bind(srv, (struct sockaddr *)&a, len), EADDRINUSE);
	struct sockaddr_un a2;
	socklen_t len2 = addr_of(&a2, "unix-test-2.sock", 0);
	unlink("unix-test-2.sock");
	expect_err("bind again, another name", bind(srv, (struct sockaddr *)&a2, len2), EINVAL);
	unlink("unix-test-2.sock");
	expect_err("connect before listen", connect(other, (struct sockaddr *)&a, len), ECONNREFUSED);
	show("listen", listen(srv, 5));
	int on = 0;
	socklen_t olen = sizeof on;
	getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen);
	printf("SO_ACCEPTCONN %d\n", on);

	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int c = socket(AF_UNIX, SOCK_STREAM, 0);
			if (connect(c, (struct sockaddr *)&a, len) < 0)
				_exit(1);
			char msg[16];
			int n = snprintf(msg, sizeof msg, "client %d", i);
			write(c, msg, n);
			char reply[16];
			n = read(c, reply, sizeof reply);
			_exit(n == 2 && reply[0] == 'o' ? 0 : 2);
		}
		socklen_t blen = sizeof b;
		int s = accept(srv, (struct sockaddr *)&b, &blen);
		printf("accepted: %s, peer name length %u\n", s >= 0 ? "yes" : "no", blen);
		char buf[32] = {0};
		read(s, buf, sizeof buf - 1);
		printf("server got \"%s\"\n", buf);
		struct ucred cr;
		socklen_t crlen = sizeof cr;
		getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crlen);
		printf("SO_PEERCRED is the client: %s\n", cr.pid == pid ? "yes" : "no");
		write(s, "ok", 2);
		int status;
		waitpid(pid, &status, 0);
		printf("client %d exit %d\n", i, WEXITSTATUS(status));
		close(s);
	}
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, len);
	socklen_t blen = sizeof b;
	show("getpeername", getpeername(c, (struct sockaddr *)&b, &blen));
	printf("peer %s, length %u\n", b.sun_path, blen);
	blen = sizeof b;
	getsockname(c, (struct sockaddr *)&b, &blen);
	printf("own name length %u\n", blen);
	close(c);
	close(srv);
	close(other);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err("connect after the listener closed", connect(c, (struct sockaddr *)&a, len), ECONNREFUSED);
	close(c);
	unlink(SOCK_PATH);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_err("connect to a missing name", connect(c, (struct sockaddr *)&a, len), ENOENT);
	close(c);

	section("abstract names");
	len = addr_of(&a, "bakaex-unix-test", 1);
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	show("bind", bind(srv, (struct sockaddr *)&a, len));
	listen(srv, 1);
	expect_err("accept, nobody yet", accept(srv, NULL, NULL), EAGAIN);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect", connect(c, (struct sockaddr *)&a, len));
	struct pollfd pfd = {srv, POLLIN, 0};
	show("poll the listener", poll(&pfd, 1, 0));
	int s = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	check("accept4", s >= 0);
	blen = sizeof b;
	getsockname(s, (struct sockaddr *)&b, &blen);
	printf("accepted socket's name: abstract %s, length %u\n", b.sun_path[0] == 0 ? "yes" : "no", blen);
	close(s);
	close(c);
	close(srv);
}

static void datagrams(void)
{
	section("datagrams");
	struct sockaddr_un a, b, from;
	socklen_t la = addr_of(&a, "bakaex-dgram-a", 1), lb = addr_of(&b, "bakaex-dgram-b", 1);
	int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(x, (struct sockaddr *)&a, la);
	bind(y, (struct sockaddr *)&b, lb);
	expect_err("send without a destination", send(x, "?", 1, 0), ENOTCONN);
	show("sendto", sendto(x, "first datagram", 14, 0, (struct sockaddr *)&b, lb));
	show("sendto", sendto(x, "second", 6, 0, (struct sockaddr *)&b, lb));
	char buf[64];
	socklen_t flen = sizeof from;
	show("recvfrom into 5 bytes, MSG_TRUNC", recvfrom(y, buf, 5, MSG_TRUNC, (struct sockaddr *)&from, &flen));
	printf("got %.5s from %.*s (length %u)\n", buf, (int)(flen - 3), from.sun_path + 1, flen);
	show("next", recv(y, buf, sizeof buf, 0));
	printf("got %.6s\n", buf);
	show("connect", connect(x, (struct sockaddr *)&b, lb));
	show("send", send(x, "connected", 9, 0));
	struct msghdr m = {0};
	struct iovec iov = {buf, 4};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	show("recvmsg into 4 bytes", recvmsg(y, &m, 0));
	printf("MSG_TRUNC set: %s\n", m.msg_flags & MSG_TRUNC ? "yes" : "no");
	close(y);
	expect_err("send to a closed peer", send(x, "x", 1, 0), ECONNREFUSED);
	close(x);

	section("seqpacket");
	int sv[2];
	show("socketpair(SOCK_SEQPACKET)", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	show("recv", recv(sv[1], buf, sizeof buf, 0));
	show("recv into 2", recv(sv[1], buf, 2, 0));
	expect_err("the rest was dropped", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);
}

static void rights(void)
{
	section("SCM_RIGHTS");
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child receives a descriptor and writes into it. */
		close(sv[0]);
		char byte;
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = {&byte, 1};
		struct msghdr m = {0};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		if (recvmsg(sv[1], &m, 0) != 1)
			_exit(1);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			_exit(2);
		int fd;
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
		write(fd, "via SCM_RIGHTS", 14);
		_exit(0);
	}
	close(sv[1]);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct iovec iov = {"R", 1};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof u.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	show("sendmsg with the pipe's write end", sendmsg(sv[0], &m, 0));
	close(p[1]);
	int status;
	waitpid(pid, &status, 0);
	printf("child exit %d\n", WEXITSTATUS(status));
	char buf[32] = {0};
	show("read the pipe", read(p[0], buf, sizeof buf - 1));
	printf("\"%s\"\n", buf);
	int bad = 77;
	memcpy(CMSG_DATA(c), &bad, sizeof bad);
	expect_err("sendmsg of a closed descriptor", sendmsg(sv[0], &m, 0), EBADF);
	close(p[0]);
	close(sv[0]);
}

static void options(void)
{
	section("options and errors");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int v;
	socklen_t len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len);
	printf("SO_TYPE %d\n", v);
	len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len);
	printf("SO_ERROR %d\n", v);
	v = 10000;
	show("SO_SNDBUF 10000", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	len = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len);
	printf("SO_SNDBUF reads %d\n", v);
	v = 1;
	show("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
	show("SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
	expect_err("unknown option", setsockopt(s, SOL_SOCKET, 12345, &v, sizeof v), ENOPROTOOPT);
	expect_err("short option", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	struct timeval tv = {0, 20000};
	show("SO_RCVTIMEO 20 ms", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	struct ucred cr;
	len = sizeof cr;
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len);
	printf("SO_PEERCRED without a peer: pid %d\n", cr.pid);
	expect_err("send unconnected", send(s, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	show("shutdown unconnected", shutdown(s, SHUT_RDWR));
	expect_err("type 9", socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
	expect_err("type 15", socket(AF_UNIX, 15, 0), EINVAL);
	expect_err("bad protocol", socket(AF_UNIX, SOCK_STREAM, 6), EPROTONOSUPPORT);
	int p[2];
	pipe(p);
	expect_err("listen on a pipe", listen(p[0], 1), ENOTSOCK);
	close(p[0]);
	close(p[1]);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char c;
	expect_err("recv with a 20 ms timeout", recv(sv[0], &c, 1, 0), EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 1};
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	close(sv[1]);
	struct epoll_event out;
	show("epoll after the peer closed", epoll_wait(ep, &out, 1, 0));
	printf("events %#x\n", out.events);
	close(ep);
	close(sv[0]);
	close(s);
}

int main(void)
{
	test_init();
	pairs();
	named();
	datagrams();
	rights();
	options();
	puts("unix: done");
	return 0;
}
