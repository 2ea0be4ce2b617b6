// SPDX-License-Identifier: Apache-2.0
/*
 * test_sock.c - VM socket checks, buffer sizes, and serving a path, on
 * real unix sockets in a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sock.h"

static char dir[64];
static char path[PATH_MAX];
static char client_path[PATH_MAX];
static int ignored_calls;
static int ignored_err;
static const char *reason;

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_sock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/vm.sock", dir);
	snprintf(client_path, sizeof(client_path), "%s/client.sock", dir);
	ignored_calls = 0;
	ignored_err = 0;
	return 0;
}

static int
teardown(void **state)
{
	char lock[PATH_MAX];

	(void)state;
	snprintf(lock, sizeof(lock), "%s%s", path, SOCK_LOCK_SUFFIX);
	unlink(path);
	unlink(lock);
	unlink(client_path);
	return rmdir(dir);
}

static void
test_check_fd(void **state)
{
	int sv[2], fd, type;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(sock_check_fd(sv[0], &type, &reason), 0);
	assert_int_equal(type, SOCK_DGRAM);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(sock_check_fd(sv[0], &type, &reason), -1);
	assert_string_equal(reason, "not an open file descriptor");

	/* A stream socket is accepted too, and said so (frames with a length). */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(sock_check_fd(sv[0], &type, &reason), 0);
	assert_int_equal(type, SOCK_STREAM);
	close(sv[0]);
	close(sv[1]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(sock_check_fd(sv[0], &type, &reason), -1);
	assert_non_null(strstr(reason, "neither a datagram"));
	close(sv[0]);
	close(sv[1]);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(sock_check_fd(fd, &type, &reason), -1);
	assert_string_equal(reason, "not a unix domain socket");
	close(fd);

	fd = open("/dev/null", O_RDONLY);
	assert_int_equal(sock_check_fd(fd, &type, &reason), -1);
	assert_string_equal(reason, "not a socket");
	close(fd);
}

static void
test_buffer_sizes(void **state)
{
	int snd, rcv;

	(void)state;
	/* The send buffer is the receive size: on Linux it is the peer's queue. */
	sock_buffer_sizes(1514, 128, &snd, &rcv);
	assert_int_equal(snd, 4 << 20);
	assert_int_equal(rcv, 4 << 20);
	sock_buffer_sizes(1514, 8, &snd, &rcv);
	assert_int_equal(snd, 4 << 20);
	sock_buffer_sizes(65550, 31, &snd, &rcv);
	assert_int_equal(snd, 8 << 20);
	assert_int_equal(rcv, 8 << 20);
	/* Never less than two batches. */
	sock_buffer_sizes(65550, 256, &snd, &rcv);
	assert_int_equal(rcv, 2 * 65550 * 256);
	assert_int_equal(snd, 2 * 65550 * 256);
}

static void
test_lock_excludes_second(void **state)
{
	int a, b;

	(void)state;
	a = sock_lock(path);
	assert_true(a >= 0);
	b = sock_lock(path);
	assert_int_equal(b, -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(a);
	b = sock_lock(path);
	assert_true(b >= 0);
	close(b);
}

static void
test_bind_replaces_stale_socket_only(void **state)
{
	int s, fd;
	struct stat st;

	(void)state;
	s = sock_bind(path);
	assert_true(s >= 0);
	close(s); /* the file stays: a stale socket */
	s = sock_bind(path);
	assert_true(s >= 0);
	close(s);
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(sock_bind(path), -1);
	assert_int_equal(errno, EEXIST);
	/* The regular file was left alone. */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static int
bound_client(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(c >= 0);
	strcpy(a.sun_path, client_path);
	assert_int_equal(bind(c, (struct sockaddr *)&a, sizeof(a)), 0);
	return c;
}

static void
send_to_helper(int c, const void *data, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	strcpy(a.sun_path, path);
	assert_int_equal(sendto(c, data, len, 0, (struct sockaddr *)&a, sizeof(a)), (ssize_t)len);
}

static void
on_ignored(const char *why, int err)
{
	assert_non_null(why);
	ignored_calls++;
	ignored_err = err;
}

static void
test_wait_vfkit_handshake(void **state)
{
	int s, c, p[2];
	char frame[60] = {1, 2, 3}, buf[100];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s = sock_bind(path);
	c = bound_client();
	send_to_helper(c, SOCK_VFKIT_MAGIC, 4);
	send_to_helper(c, frame, sizeof(frame));
	assert_int_equal(sock_wait_client(s, p[0], on_ignored), SOCK_CLIENT);
	/* The handshake is gone, the first real frame is still queued. */
	assert_int_equal(recv(s, buf, sizeof(buf), MSG_DONTWAIT), sizeof(frame));
	assert_memory_equal(buf, frame, sizeof(frame));
	/* Connected: send() reaches the client. */
	assert_int_equal(send(s, "x", 1, 0), 1);
	assert_int_equal(recv(c, buf, sizeof(buf), 0), 1);
	assert_int_equal(ignored_calls, 0);
	close(c);
	close(s);
	close(p[0]);
	close(p[1]);
}

static void
test_wait_keeps_first_frame(void **state)
{
	int s, c, p[2];
	char frame[4] = {'A', 'B', 'C', 'D'}, buf[16];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s = sock_bind(path);
	c = bound_client();
	/* 4 bytes, but not the handshake: a frame, kept for forwarding. */
	send_to_helper(c, frame, sizeof(frame));
	assert_int_equal(sock_wait_client(s, p[0], on_ignored), SOCK_CLIENT);
	assert_int_equal(recv(s, buf, sizeof(buf), MSG_DONTWAIT), 4);
	close(c);
	close(s);
	close(p[0]);
	close(p[1]);
}

static void
test_wait_unbound_then_bound(void **state)
{
	int s, u, c, p[2];
	char buf[16];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s = sock_bind(path);
	u = socket(AF_UNIX, SOCK_DGRAM, 0);
	send_to_helper(u, "unbound", 7);
	c = bound_client();
	send_to_helper(c, "bound-frame-data", 16);
	assert_int_equal(sock_wait_client(s, p[0], on_ignored), SOCK_CLIENT);
	assert_int_equal(ignored_calls, 1);
	assert_int_equal(recv(s, buf, sizeof(buf), MSG_DONTWAIT), 16);
	assert_memory_equal(buf, "bound-frame-data", 16);
	close(u);
	close(c);
	close(s);
	close(p[0]);
	close(p[1]);
}

static void
test_wait_sender_gone_then_bound(void **state)
{
	char gone_path[PATH_MAX];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s, g, c, p[2];
	char buf[16];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s = sock_bind(path);
	/* A sender that is gone by the time the helper connects to it. */
	snprintf(gone_path, sizeof(gone_path), "%s/gone.sock", dir);
	strcpy(a.sun_path, gone_path);
	g = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_int_equal(bind(g, (struct sockaddr *)&a, sizeof(a)), 0);
	send_to_helper(g, "from-a-dead-vm", 14);
	close(g);
	unlink(gone_path);
	c = bound_client();
	send_to_helper(c, "live-frame-data!", 16);
	assert_int_equal(sock_wait_client(s, p[0], on_ignored), SOCK_CLIENT);
	assert_int_equal(ignored_calls, 1);
	assert_true(ignored_err == ENOENT || ignored_err == ECONNREFUSED);
	assert_int_equal(recv(s, buf, sizeof(buf), MSG_DONTWAIT), 16);
	assert_memory_equal(buf, "live-frame-data!", 16);
	close(c);
	close(s);
	close(p[0]);
	close(p[1]);
}

static void
test_wait_stopped(void **state)
{
	int s, p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s = sock_bind(path);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sock_wait_client(s, p[0], on_ignored), SOCK_STOPPED);
	close(s);
	close(p[0]);
	close(p[1]);
}

static void
test_remove(void **state)
{
	char lock[PATH_MAX];
	int s, l;

	(void)state;
	snprintf(lock, sizeof(lock), "%s%s", path, SOCK_LOCK_SUFFIX);
	l = sock_lock(path);
	s = sock_bind(path);
	sock_remove(path);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access(lock, F_OK), 0);
	sock_unlock(path, l);
	assert_int_equal(access(lock, F_OK), -1);
	/* Released: another helper can take the path now. */
	l = sock_lock(path);
	assert_true(l >= 0);
	close(l);
	close(s);
}

static int
connect_stream(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int c = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, path);
	assert_int_equal(connect(c, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return c;
}

static void
test_listen_accept_stream(void **state)
{
	struct stat st;
	int s, c, conn = -1, p[2], type;
	char buf[8];

	(void)state;
	assert_int_equal(pipe(p), 0);
	/* A stale socket is replaced, as for datagrams; other files are not. */
	s = sock_bind(path);
	close(s);
	s = sock_listen(path, 1);
	assert_true(s >= 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	c = connect_stream();
	assert_int_equal(sock_accept(s, p[0], &conn), SOCK_CLIENT);
	assert_int_equal(fcntl(conn, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(sock_check_fd(conn, &type, &reason), 0);
	assert_int_equal(type, SOCK_STREAM);
	assert_int_equal(write(c, "abc", 3), 3);
	assert_int_equal(read(conn, buf, sizeof(buf)), 3);
	close(conn);
	/* Stopping while waiting for the next one. */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sock_accept(s, p[0], &conn), SOCK_STOPPED);
	close(c);
	close(s);
	close(p[0]);
	close(p[1]);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sock_listen(path, 1), -1);
	assert_int_equal(errno, EEXIST);
	rmdir(path);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_check_fd),
	    T(test_buffer_sizes),
	    T(test_lock_excludes_second),
	    T(test_bind_replaces_stale_socket_only),
	    T(test_wait_vfkit_handshake),
	    T(test_wait_keeps_first_frame),
	    T(test_wait_unbound_then_bound),
	    T(test_wait_sender_gone_then_bound),
	    T(test_wait_stopped),
	    T(test_remove),
	    T(test_listen_accept_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
