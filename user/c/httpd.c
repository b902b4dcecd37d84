/* httpd: a small static HTTP/1.1 file server, one process, poll(2)-driven.
 *
 *   httpd [-p port] [-s path] [-n] DIR
 *
 * Serves the regular files under DIR for GET and HEAD (Content-Length, keep-alive as HTTP/1.1
 * says: on unless the client sends "Connection: close"; HTTP/1.0 only with "Connection:
 * keep-alive"), 404 for anything else that is not there, 400/405/505 for what it does not
 * understand. "/" is DIR/index.html. With -s, a GET of that path answers "bye" and ends the
 * server (exit status 0) once the answer is sent: how scripts/net-test.sh powers the guest off.
 * -n: no line per request on stdout. Port 80 by default. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define REQ_MAX 8192
#define MAX_FILE (16 << 20)

struct client {
    int fd;
    char req[REQ_MAX];
    size_t req_len;
    char *out;          /* response bytes still to send */
    size_t out_len, out_off;
    int close_after;    /* close once out is sent */
    int quit_after;     /* end the server once out is sent */
};

static struct client clients[MAX_CLIENTS];
static const char *root;
static const char *quit_path;
static int quiet;

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    if (!strcmp(dot, ".html") || !strcmp(dot, ".htm")) return "text/html";
    if (!strcmp(dot, ".txt")) return "text/plain";
    if (!strcmp(dot, ".css")) return "text/css";
    if (!strcmp(dot, ".js")) return "text/javascript";
    if (!strcmp(dot, ".json")) return "application/json";
    return "application/octet-stream";
}

/* Queue a response: status line, headers, then `body` (not sent for HEAD). */
static void respond(struct client *c, int code, const char *reason, const char *type, const char *body,
                    size_t len, int head) {
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 %d %s\r\nServer: bakaex-httpd\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
                     code, reason, type, len, c->close_after ? "Connection: close\r\n" : "");
    size_t total = (size_t)n + (head ? 0 : len);
    char *buf = realloc(c->out, c->out_len + total);
    if (!buf) {
        c->close_after = 1;
        return;
    }
    c->out = buf;
    memcpy(buf + c->out_len, hdr, (size_t)n);
    if (!head && len) memcpy(buf + c->out_len + n, body, len);
    c->out_len += total;
}

static void error_page(struct client *c, int code, const char *reason, int head) {
    char body[128];
    int n = snprintf(body, sizeof body, "%d %s\n", code, reason);
    respond(c, code, reason, "text/plain", body, (size_t)n, head);
}

/* Serve the file for URL path `path` (already without the query). */
static void serve(struct client *c, const char *path, int head) {
    if (path[0] != '/' || strstr(path, "..")) {
        error_page(c, 404, "Not Found", head);
        return;
    }
    char file[1024];
    snprintf(file, sizeof file, "%s%s", root, strcmp(path, "/") ? path : "/index.html");
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
        if (fd >= 0) close(fd);
        error_page(c, 404, "Not Found", head);
        return;
    }
    size_t len = (size_t)st.st_size;
    char *body = malloc(len ? len : 1);
    size_t got = 0;
    while (body && got < len) {
        ssize_t r = read(fd, body + got, len - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (!body || got != len) {
        free(body);
        error_page(c, 500, "Internal Server Error", head);
        return;
    }
    respond(c, 200, "OK", content_type(file), body, len, head);
    free(body);
}

/* Whether header `name` in the header block `h` has a value containing `want`. */
static int header_has(const char *h, const char *name, const char *want) {
    size_t nl = strlen(name);
    for (const char *line = h; line && *line; line = strstr(line, "\r\n") ? strstr(line, "\r\n") + 2 : NULL) {
        if (!strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *end = strstr(line, "\r\n");
            size_t vl = end ? (size_t)(end - line) : strlen(line);
            char v[256];
            if (vl >= sizeof v) vl = sizeof v - 1;
            memcpy(v, line, vl);
            v[vl] = 0;
            return strcasestr(v + nl + 1, want) != NULL;
        }
    }
    return 0;
}

/* Handle the complete requests in c->req. Returns 0, or -1 if the connection must close now. */
static int handle_requests(struct client *c) {
    for (;;) {
        c->req[c->req_len] = 0;
        char *end = strstr(c->req, "\r\n\r\n");
        if (!end) {
            if (c->req_len >= REQ_MAX - 1) {
                c->close_after = 1;
                error_page(c, 431, "Request Header Fields Too Large", 0);
            }
            return 0;
        }
        size_t used = (size_t)(end + 4 - c->req);
        *end = 0;
        char method[16], target[1024], version[16];
        int head = 0;
        char *headers = strstr(c->req, "\r\n");
        headers = headers ? headers + 2 : end;
        if (sscanf(c->req, "%15s %1023s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7)) {
            c->close_after = 1;
            error_page(c, 400, "Bad Request", 0);
            return 0;
        }
        int http10 = !strcmp(version, "HTTP/1.0");
        if (http10 ? !header_has(headers, "Connection", "keep-alive") : header_has(headers, "Connection", "close"))
            c->close_after = 1;
        char *q = strchr(target, '?');
        if (q) *q = 0;
        /* A request body (none expected for GET/HEAD) is skipped if it is all here. */
        const char *cl = strcasestr(headers, "Content-Length:");
        size_t body = cl ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
        if (used + body > c->req_len) {
            if (used + body >= REQ_MAX) {
                c->close_after = 1;
                error_page(c, 413, "Content Too Large", 0);
                return 0;
            }
            *end = '\r';
            return 0;
        }
        if (!quiet) printf("httpd: %s %s\n", method, target);
        if (!strcmp(method, "HEAD")) head = 1;
        if (strcmp(method, "GET") && !head) {
            error_page(c, 405, "Method Not Allowed", 0);
        } else if (quit_path && !strcmp(target, quit_path)) {
            c->close_after = 1;
            c->quit_after = 1;
            respond(c, 200, "OK", "text/plain", "bye\n", 4, head);
        } else {
            serve(c, target, head);
        }
        memmove(c->req, c->req + used + body, c->req_len - used - body);
        c->req_len -= used + body;
        if (c->close_after) return 0;
    }
}

static void drop(struct client *c) {
    close(c->fd);
    free(c->out);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

int main(int argc, char **argv) {
    int port = 80, opt;
    while ((opt = getopt(argc, argv, "p:s:n")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 's': quit_path = optarg; break;
        case 'n': quiet = 1; break;
        default:
            fprintf(stderr, "usage: httpd [-p port] [-s quit-path] [-n] DIR\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: httpd [-p port] [-s quit-path] [-n] DIR\n");
        return 2;
    }
    root = argv[optind];
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ls < 0) {
        perror("httpd: socket");
        return 1;
    }
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port),
                             .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 128) < 0) {
        perror("httpd: bind/listen");
        return 1;
    }
    for (int i = 0; i < MAX_CLIENTS; i++) clients[i].fd = -1;
    printf("httpd: serving %s on port %d\n", root, port);

    int quitting = 0;
    while (!quitting) {
        struct pollfd pfd[MAX_CLIENTS + 1];
        int who[MAX_CLIENTS + 1];
        int n = 0;
        pfd[n] = (struct pollfd){.fd = ls, .events = POLLIN};
        who[n++] = -1;
        for (int i = 0; i < MAX_CLIENTS; i++) {
            struct client *c = &clients[i];
            if (c->fd < 0) continue;
            short ev = c->out_off < c->out_len ? POLLOUT : POLLIN;
            pfd[n] = (struct pollfd){.fd = c->fd, .events = ev};
            who[n++] = i;
        }
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            perror("httpd: poll");
            return 1;
        }
        for (int k = 0; k < n; k++) {
            if (!pfd[k].revents) continue;
            if (who[k] < 0) {
                for (;;) {
                    int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    int slot = -1;
                    for (int i = 0; i < MAX_CLIENTS && slot < 0; i++)
                        if (clients[i].fd < 0) slot = i;
                    if (slot < 0) {
                        close(fd);
                        continue;
                    }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[slot].fd = fd;
                }
                continue;
            }
            struct client *c = &clients[who[k]];
            if (c->out_off < c->out_len) {
                ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
                if (w < 0 && errno != EAGAIN) {
                    drop(c);
                    continue;
                }
                if (w > 0) c->out_off += (size_t)w;
                if (c->out_off == c->out_len) {
                    c->out_off = c->out_len = 0;
                    if (c->quit_after) quitting = 1;
                    if (c->close_after) {
                        drop(c);
                        continue;
                    }
                    /* Requests that came in while the answer went out. */
                    handle_requests(c);
                }
                continue;
            }
            if (c->close_after) continue;
            ssize_t r = read(c->fd, c->req + c->req_len, REQ_MAX - 1 - c->req_len);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                drop(c);
                continue;
            }
            if (r > 0) {
                c->req_len += (size_t)r;
                handle_requests(c);
            }
        }
    }
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0) drop(&clients[i]);
    close(ls);
    printf("httpd: bye\n");
    return 0;
}
