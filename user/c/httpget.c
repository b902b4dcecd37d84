// An HTTP/1.1 client for the QEMU test linked-httpd: the linked httpd serves /data on the port
// given; this program asks it for files over 127.0.0.1 (keep-alive, pipelined, HEAD, 404, 400,
// concurrent clients), checks bodies against the files themselves, prints what it got, and
// ends the server with GET /.shutdown (the server is init: the kernel then powers off).
//
//   httpget PORT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int port;

static int dial(void) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 500; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return -1;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
        int e = errno;
        close(fd);
        if (e != ECONNREFUSED) return -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, 0);  // the server is still starting
    }
    return -1;
}

static void put(int fd, const char *s) {
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) { perror("write"); exit(1); }
        s += w, n -= w;
    }
}

// One response: its head (CRs dropped) into head, its body (Content-Length bytes, none for
// HEAD) into body; returns the body's length, -1 at end of file.
static char pending[1 << 16];
static size_t npending;

static long response(int fd, int head_only, char *head, size_t headcap, char *body, size_t bodycap) {
    char *end;
    while (!(end = memmem(pending, npending, "\r\n\r\n", 4))) {
        ssize_t r = read(fd, pending + npending, sizeof pending - npending);
        if (r <= 0) return -1;
        npending += r;
    }
    size_t hlen = end + 4 - pending, o = 0;
    for (size_t i = 0; i < hlen && o + 1 < headcap; i++)
        if (pending[i] != '\r') head[o++] = pending[i];
    head[o] = 0;
    const char *cl = strstr(head, "Content-Length: ");
    long len = cl ? atol(cl + 16) : 0;
    memmove(pending, pending + hlen, npending - hlen);
    npending -= hlen;
    if (head_only) return 0;
    if ((size_t)len > bodycap) { printf("body too long: %ld\n", len); exit(1); }
    size_t got = 0;
    while (got < (size_t)len) {
        if (npending) {
            size_t n = npending < len - got ? npending : len - got;
            memcpy(body + got, pending, n);
            memmove(pending, pending + n, npending - n);
            npending -= n, got += n;
            continue;
        }
        ssize_t r = read(fd, body + got, len - got);
        if (r <= 0) return -1;
        got += r;
    }
    return len;
}

static size_t slurp(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static char head[4096], body[1 << 16], file[1 << 16];

int main(int argc, char **argv) {
    port = argc > 1 ? atoi(argv[1]) : 80;
    setvbuf(stdout, 0, _IONBF, 0);
    int fd = dial();
    if (fd < 0) { perror("connect"); return 1; }
    printf("-- keep-alive: four requests on one connection\n");
    const char *paths[] = {"/hello.txt", "/missing", "/hello.txt?query", "/"};
    for (int i = 0; i < 4; i++) {
        char req[256];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", paths[i]);
        put(fd, req);
        long n = response(fd, 0, head, sizeof head, body, sizeof body);
        printf("GET %s\n%s%.*s", paths[i], head, (int)(n < 0 ? 0 : n), body);
    }
    printf("-- pipelined: HEAD and GET in one write, then Connection: close\n");
    put(fd, "HEAD /numbers.txt HTTP/1.1\r\n\r\nGET /numbers.txt HTTP/1.1\r\nConnection: close\r\n\r\n");
    response(fd, 1, head, sizeof head, body, sizeof body);
    printf("%s", head);
    long n = response(fd, 0, head, sizeof head, body, sizeof body);
    size_t fn = slurp("/data/numbers.txt", file, sizeof file);
    printf("%sbody: %ld bytes, %s\n", head, n, n == (long)fn && !memcmp(body, file, fn) ? "same as the file" : "DIFFERS");
    printf("closed after it: %s\n", response(fd, 0, head, sizeof head, body, sizeof body) == -1 ? "yes" : "no");
    close(fd);

    printf("-- junk\n");
    npending = 0;
    fd = dial();
    put(fd, "hello\r\n\r\n");
    n = response(fd, 0, head, sizeof head, body, sizeof body);
    printf("%s%.*s", head, (int)(n < 0 ? 0 : n), body);
    close(fd);

    printf("-- 4 clients at once, 25 requests each\n");
    for (int c = 0; c < 4; c++) {
        if (fork() == 0) {
            npending = 0;
            int s = dial(), ok = 0;
            for (int i = 0; i < 25; i++) {
                put(s, "GET /numbers.txt HTTP/1.1\r\n\r\n");
                long m = response(s, 0, head, sizeof head, body, sizeof body);
                ok += m == (long)fn && !memcmp(body, file, fn);
            }
            _exit(ok);
        }
    }
    for (int c = 0; c < 4; c++) {
        int st;
        wait(&st);
        printf("a client: %d of 25 answers right\n", WEXITSTATUS(st));
    }
    printf("-- shutdown\n");
    npending = 0;
    fd = dial();
    put(fd, "GET /.shutdown HTTP/1.1\r\n\r\n");
    // The server answers, then exits; it is init, so the machine powers off: print nothing more.
    response(fd, 0, head, sizeof head, body, sizeof body);
    pause();
    return 0;
}
