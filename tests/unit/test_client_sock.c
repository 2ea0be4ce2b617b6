// SPDX-License-Identifier: Apache-2.0
/*
 * test_client_sock.c - the command's socket: socketpair ends, and the
 * private directory of the --socket fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

#include "client_sock.h"

static void
test_pair(void **state)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	int fds[2];
	int type;
	socklen_t len = sizeof(type);

	(void)state;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		assert_int_equal(client_sock_pair(fds, types[t]), 0);
		for (int i = 0; i < 2; i++) {
			assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
			assert_int_equal(getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &type, &len), 0);
			assert_int_equal(type, types[t]);
		}
		close(fds[0]);
		close(fds[1]);
	}
}

/* A stand-in for the helper: a datagram socket bound at @path. */
static int
bind_helper(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void
test_dir_connect_and_remove(void **state)
{
	char base[] = "/tmp/test_client_sock.XXXXXX";
	struct client_sock_dir d;
	struct sockaddr_un from;
	socklen_t fromlen = sizeof(from);
	char buf[16];
	char lock[CLIENT_SOCK_PATH_MAX + 8];
	struct stat st;
	int helper;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(base));
	setenv("TMPDIR", base, 1);
	assert_int_equal(client_sock_dir_create(&d, SOCK_DGRAM), 0);
	assert_int_equal(strncmp(d.dir, base, strlen(base)), 0);
	assert_int_equal(stat(d.dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, geteuid());
	assert_true(fcntl(d.fd, F_GETFD) & FD_CLOEXEC);
	/* Before the helper binds: "not yet". */
	assert_int_equal(client_sock_dir_connect(&d), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);
	helper = bind_helper(d.helper_path);
	assert_int_equal(client_sock_dir_connect(&d), 0);
	/* The helper learns our address from vfkit's greeting. */
	n = recvfrom(helper, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "VFKT", 4);
	assert_string_equal(from.sun_path, d.client_path);
	/* Frames flow both ways on the connected socket. */
	assert_int_equal(sendto(helper, "frame", 5, 0, (struct sockaddr *)&from, fromlen), 5);
	assert_int_equal(recv(d.fd, buf, sizeof(buf), 0), 5);
	/* Whatever the helper leaves (its lock file) goes with the dir. */
	snprintf(lock, sizeof(lock), "%s.lock", d.helper_path);
	close(open(lock, O_CREAT | O_WRONLY, 0600));
	client_sock_dir_remove(&d);
	assert_int_equal(d.fd, -1);
	assert_int_equal(stat(lock, &st), -1);
	assert_int_equal(rmdir(base), 0); /* empty: nothing left behind */
	close(helper);
	unsetenv("TMPDIR");
}

static void
test_dir_long_tmpdir_falls_back_to_tmp(void **state)
{
	char base[200];
	struct client_sock_dir d;

	(void)state;
	/* No socket path fits below this TMPDIR. */
	memset(base, 'x', sizeof(base) - 1);
	base[0] = '/';
	base[sizeof(base) - 1] = '\0';
	setenv("TMPDIR", base, 1);
	assert_int_equal(client_sock_dir_create(&d, SOCK_DGRAM), 0);
	assert_int_equal(strncmp(d.dir, "/tmp/", 5), 0);
	client_sock_dir_remove(&d);
	unsetenv("TMPDIR");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pair),
	    cmocka_unit_test(test_dir_connect_and_remove),
	    cmocka_unit_test(test_dir_long_tmpdir_falls_back_to_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
