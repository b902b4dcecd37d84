/*
 * inet: TCP and UDP over 127.0.0.1 and ::1 between processes: a listener and a forked client,
 * a 4 MiB stream, half close, reset, blocking and non-blocking connect (EINPROGRESS, SO_ERROR,
 * refused), UDP datagrams with senders and connected filtering, IPv6 and a dual-stack listener,
 * port conflicts, options, poll/epoll readiness (edge-triggered on every arrival), and errors.
 * Ports are picked by the kernel (port 0) and never printed. Diffed against Linux
 * (qemu-riscv64).
 */
#include "common.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

static struct sockaddr_in lo4(int port)
{
	struct sockaddr_in a = {0};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(((struct sockaddr_in *)&a)->sin_port);
}

/* A TCP listener on 127.0.0.1 at a port the kernel picks. */
static int listener(int backlog, int *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo4(0);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0)
		printf("listener: %s\n", errno_name(errno));
	*port = port_of(s);
	return s;
}

static int dial(int port)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo4(port);
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		printf("dial: %s\n", errno_name(errno));
	return c;
}

static short revents(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	poll(&p, 1, 0);
	return p.revents;
}

static void stream(void)
{
	section("tcp stream between processes");
	int port;
	int l = listener(4, &port);
	show("port is ephemeral", port >= 32768 && port <= 60999);
	show("listener readable before a connect", revents(l, POLLIN) & POLLIN);
	pid_t pid = fork();
	if (pid == 0) {
		int c = dial(port);
		char buf[64];
		ssize_t n;
		/* Echo upper-cased until the end. */
		while ((n = read(c, buf, sizeof buf)) > 0) {
			for (ssize_t i = 0; i < n; i++)
				buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i];
			write(c, buf, n);
		}
		close(c);
		_exit(0);
	}
	struct sockaddr_in peer;
	socklen_t plen = sizeof peer;
	int s = accept(l, (struct sockaddr *)&peer, &plen);
	show("accept", s >= 0);
	show("peer address length", plen);
	printf("peer is 127.0.0.1: %s\n", peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? "yes" : "no");
	show("send", send(s, "hello, inet", 11, 0));
	char buf[64] = {0};
	show("recv (MSG_WAITALL)", recv(s, buf, 11, MSG_WAITALL));
	printf("echo: %s\n", buf);
	show("shutdown(SHUT_WR)", shutdown(s, SHUT_WR));
	show("read after the client closed", read(s, buf, sizeof buf));
	int st;
	waitpid(pid, &st, 0);
	show("client exit", WEXITSTATUS(st));
	signal(SIGPIPE, SIG_IGN);
	expect_err("send after SHUT_WR", send(s, "x", 1, 0), EPIPE);
	close(s);
	close(l);
}

/* 4 MiB from a child to the parent, checked by digest. */
static void bulk(void)
{
	section("tcp bulk transfer");
	enum { TOTAL = 4 << 20 };
	int port;
	int l = listener(1, &port);
	pid_t pid = fork();
	if (pid == 0) {
		int c = dial(port);
		static char chunk[65536];
		uint64_t sent = 0;
		for (int i = 0; i < TOTAL / (int)sizeof chunk; i++) {
			for (size_t j = 0; j < sizeof chunk; j++)
				chunk[j] = (char)((i * 31 + j * 7) % 251);
			ssize_t n = write(c, chunk, sizeof chunk);
			if (n != (ssize_t)sizeof chunk)
				printf("short write: %zd\n", n);
			sent += n;
		}
		close(c);
		_exit(sent == TOTAL ? 0 : 1);
	}
	int s = accept(l, NULL, NULL);
	static char all[TOTAL];
	size_t got = 0;
	ssize_t n;
	while ((n = read(s, all + got, TOTAL - got < 100000 ? TOTAL - got : 100000)) > 0)
		got += n;
	int st;
	waitpid(pid, &st, 0);
	show("bytes received", got);
	printf("digest: %016llx\n", (unsigned long long)fnv1a(all, got));
	show("sender exit", WEXITSTATUS(st));
	close(s);
	close(l);
}

static void connects(void)
{
	section("connect");
	int port;
	int l = listener(4, &port);
	/* A port bound but not listening refuses. */
	int closed = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo4(0);
	bind(closed, (struct sockaddr *)&a, sizeof a);
	int closed_port = port_of(closed);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	a = lo4(closed_port);
	expect_err("connect to a port without a listener", connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	a = lo4(port);
	show("connect again, to the listener", connect(c, (struct sockaddr *)&a, sizeof a));
	expect_err("connect a connected socket", connect(c, (struct sockaddr *)&a, sizeof a), EISCONN);
	close(c);

	int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	expect_err("non-blocking connect", connect(nb, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
	struct pollfd p = {nb, POLLOUT, 0};
	show("poll for POLLOUT", poll(&p, 1, 1000));
	show("revents", p.revents);
	int err = -1;
	socklen_t len = sizeof err;
	show("getsockopt(SO_ERROR)", getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len));
	show("SO_ERROR", err);
	show("connect after it completed", connect(nb, (struct sockaddr *)&a, sizeof a));
	expect_err("and once more", connect(nb, (struct sockaddr *)&a, sizeof a), EISCONN);
	close(nb);

	nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	a = lo4(closed_port);
	expect_err("non-blocking connect, refused", connect(nb, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
	p.fd = nb;
	p.revents = 0;
	show("poll", poll(&p, 1, 1000));
	show("revents (POLLOUT|POLLERR|POLLHUP)", p.revents);
	len = sizeof err;
	getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR = %s\n", errno_name(err));
	getsockopt(nb, SOL_SOCKET, SO_ERROR, &err, &len);
	show("SO_ERROR read again", err);
	close(nb);
	close(closed);

	/* Accept everything pending, then nothing more is there. */
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	show("accept4 the first", s >= 0);
	close(s);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	show("accept4 the second", s >= 0);
	close(s);
	fcntl(l, F_SETFL, O_NONBLOCK);
	expect_err("accept with none pending", accept(l, NULL, NULL), EAGAIN);
	close(l);
}

static void reset(void)
{
	section("reset");
	int port;
	int l = listener(4, &port);
	int c = dial(port);
	int s = accept(l, NULL, NULL);
	struct linger lg = {1, 0};
	show("SO_LINGER {1, 0}", setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	close(c);
	show("revents", revents(s, POLLIN | POLLOUT | POLLRDHUP));
	char buf[8];
	expect_err("recv", recv(s, buf, sizeof buf, 0), ECONNRESET);
	show("recv again", recv(s, buf, sizeof buf, 0));
	expect_err("send", send(s, "x", 1, MSG_NOSIGNAL), EPIPE);
	close(s);

	/* Unread bytes at close reset the peer. */
	c = dial(port);
	s = accept(l, NULL, NULL);
	show("send", send(c, "unread", 6, 0));
	usleep(10000);
	close(s);
	expect_err("recv from a peer that closed with unread data", recv(c, buf, sizeof buf, 0), ECONNRESET);
	close(c);
	close(l);
}

static void udp(void)
{
	section("udp");
	int a = socket(AF_INET, SOCK_DGRAM, 0);
	int b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = lo4(0);
	show("bind", bind(a, (struct sockaddr *)&addr, sizeof addr));
	addr = lo4(port_of(a));
	show("revents of an idle socket", revents(a, POLLIN | POLLOUT));
	expect_err("send without a destination", send(b, "x", 1, 0), EDESTADDRREQ);
	show("sendto", sendto(b, "one", 3, 0, (struct sockaddr *)&addr, sizeof addr));
	show("sendto", sendto(b, "second", 6, 0, (struct sockaddr *)&addr, sizeof addr));
	show("b was bound by sendto", port_of(b) >= 32768);
	char buf[64] = {0};
	struct sockaddr_in from;
	socklen_t flen = sizeof from;
	show("recvfrom 2 bytes with MSG_TRUNC", recvfrom(a, buf, 2, MSG_TRUNC, (struct sockaddr *)&from, &flen));
	printf("got \"%.2s\" from b: %s\n", buf, ntohs(from.sin_port) == port_of(b) ? "yes" : "no");
	memset(buf, 0, sizeof buf);
	show("recv", recv(a, buf, sizeof buf, 0));
	printf("got \"%s\"\n", buf);
	expect_err("recv with nothing queued", recv(a, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);

	/* Connected to b: only b's datagrams arrive. */
	struct sockaddr_in baddr = lo4(port_of(b));
	show("connect a to b", connect(a, (struct sockaddr *)&baddr, sizeof baddr));
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	show("c sends to a", sendto(c, "stranger", 8, 0, (struct sockaddr *)&addr, sizeof addr));
	show("b sends to a", sendto(b, "peer", 4, 0, (struct sockaddr *)&addr, sizeof addr));
	memset(buf, 0, sizeof buf);
	show("recv", recv(a, buf, sizeof buf, 0));
	printf("got \"%s\"\n", buf);
	show("send to the peer", send(a, "reply", 5, 0));
	memset(buf, 0, sizeof buf);
	show("b receives", recv(b, buf, sizeof buf, 0));
	printf("got \"%s\"\n", buf);
	static char big[70000];
	expect_err("a datagram over 65507 bytes", send(a, big, 65508, 0), EMSGSIZE);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	show("connect(AF_UNSPEC)", connect(a, &unspec, sizeof unspec));
	socklen_t len = sizeof from;
	expect_err("getpeername", getpeername(a, (struct sockaddr *)&from, &len), ENOTCONN);
	close(a);
	close(b);
	close(c);
}

static void ipv6(void)
{
	section("ipv6");
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	int v6only = -1;
	socklen_t len = sizeof v6only;
	getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len);
	show("IPV6_V6ONLY", v6only);
	struct sockaddr_in6 a = {0};
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_any;
	show("bind [::]:0", bind(l, (struct sockaddr *)&a, sizeof a));
	show("listen", listen(l, 4));
	a.sin6_port = htons(port_of(l));
	a.sin6_addr = in6addr_loopback;
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	show("connect [::1]", connect(c6, (struct sockaddr *)&a, sizeof a));
	struct sockaddr_in6 peer;
	len = sizeof peer;
	int s6 = accept(l, (struct sockaddr *)&peer, &len);
	show("accepted length", len);
	printf("peer is ::1: %s\n", memcmp(&peer.sin6_addr, &in6addr_loopback, 16) == 0 ? "yes" : "no");
	struct sockaddr_in a4 = lo4(ntohs(a.sin6_port));
	int c4 = socket(AF_INET, SOCK_STREAM, 0);
	show("connect 127.0.0.1 to the dual-stack listener", connect(c4, (struct sockaddr *)&a4, sizeof a4));
	len = sizeof peer;
	int s4 = accept(l, (struct sockaddr *)&peer, &len);
	char text[64];
	inet_ntop(AF_INET6, &peer.sin6_addr, text, sizeof text);
	printf("IPv4 peer as seen by the AF_INET6 socket: %s\n", text);
	show("send over IPv4", send(c4, "v4", 2, 0));
	char buf[8] = {0};
	show("recv", recv(s4, buf, sizeof buf, 0));
	show("send over IPv6", send(s6, "v6", 2, 0));
	show("recv", recv(c6, buf, sizeof buf, 0));
	int only = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	show("IPV6_V6ONLY on", setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
	expect_err("IPV6_V6ONLY on an AF_INET socket", setsockopt(c4, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one),
		   ENOPROTOOPT);
	close(only);
	close(c4);
	close(s4);
	close(c6);
	close(s6);
	close(l);
}

static void readiness(void)
{
	section("readiness");
	int port;
	int l = listener(4, &port);
	int fresh = socket(AF_INET, SOCK_STREAM, 0);
	show("fresh TCP socket revents", revents(fresh, POLLIN | POLLOUT));
	int c = dial(port);
	show("listener revents with a connection pending", revents(l, POLLIN));
	int s = accept(l, NULL, NULL);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 7};
	show("epoll_ctl ADD (edge-triggered)", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
	struct epoll_event out[4];
	show("epoll_wait, nothing yet", epoll_wait(ep, out, 4, 0));
	/* Each arrival is an edge, even when bytes are still unread. */
	for (int i = 0; i < 3; i++) {
		send(c, "x", 1, 0);
		usleep(1000);
		int n = epoll_wait(ep, out, 4, 1000);
		printf("arrival %d: %d event(s), data %u\n", i, n, n > 0 ? out[0].data.u32 : 0);
	}
	show("epoll_wait without a new arrival", epoll_wait(ep, out, 4, 0));
	char buf[8];
	show("recv all three", recv(s, buf, sizeof buf, 0));
	show("revents after draining", revents(s, POLLIN | POLLOUT));
	close(c);
	usleep(1000);
	show("revents after the peer closed", revents(s, POLLIN | POLLOUT | POLLRDHUP));
	close(ep);
	close(s);
	close(l);
	close(fresh);
}

static void errors(void)
{
	section("options and errors");
	expect_err("socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	expect_err("socket(AF_INET, SOCK_SEQPACKET)", socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	int sv[2];
	expect_err("socketpair(AF_INET)", socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int v = -1;
	socklen_t len = sizeof v;
	getsockopt(t, SOL_SOCKET, SO_TYPE, &v, &len);
	show("SO_TYPE", v);
	getsockopt(u, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	show("SO_PROTOCOL of UDP", v);
	getsockopt(t, SOL_SOCKET, SO_DOMAIN, &v, &len);
	show("SO_DOMAIN", v);
	int one = 1;
	show("TCP_NODELAY", setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	getsockopt(t, IPPROTO_TCP, TCP_NODELAY, &v, &len);
	show("TCP_NODELAY read back", v != 0);
	show("SO_REUSEADDR", setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	show("SO_KEEPALIVE", setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
	char buf[8];
	struct sockaddr_in a;
	len = sizeof a;
	expect_err("getpeername unconnected", getpeername(t, (struct sockaddr *)&a, &len), ENOTCONN);
	expect_err("recv unconnected", recv(t, buf, 1, 0), ENOTCONN);
	expect_err("send unconnected", send(t, "x", 1, MSG_NOSIGNAL), EPIPE);
	expect_err("accept unlistened", accept(t, NULL, NULL), EINVAL);
	expect_err("listen on UDP", listen(u, 1), EOPNOTSUPP);
	expect_err("shutdown unconnected", shutdown(t, SHUT_RDWR), ENOTCONN);
	a = lo4(0);
	expect_err("bind with a short length", bind(t, (struct sockaddr *)&a, 15), EINVAL);
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	expect_err("bind an AF_INET6 address", bind(t, (struct sockaddr *)&a6, sizeof a6), EAFNOSUPPORT);
	a.sin_addr.s_addr = htonl(0x0a000001);
	expect_err("bind 10.0.0.1", bind(t, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
	expect_err("bind to a NULL address", bind(t, NULL, sizeof a), EFAULT);

	int port;
	int l = listener(1, &port);
	a = lo4(port);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	expect_err("bind a listening port", bind(b, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	expect_err("bind the same port on the wildcard", bind(b, (struct sockaddr *)&a, sizeof a), EADDRINUSE);
	a = lo4(port);
	show("UDP on the same port number", bind(u, (struct sockaddr *)&a, sizeof a));
	close(b);
	close(l);
	close(t);
	close(u);
}

int main(void)
{
	test_init();
	stream();
	bulk();
	connects();
	reset();
	udp();
	ipv6();
	readiness();
	errors();
	return 0;
}
