// SPDX-License-Identifier: Apache-2.0
/*
 * dhcp.c - run and stop dnsmasq for an emulated vmnet network.
 *
 * dnsmasq is started with fork() and execve() of a fixed argv and an empty
 * environment. Its first process exits once the daemon is ready (or failed),
 * so waiting for it tells us whether DHCP runs. dhcp_spawn() and
 * dhcp_wait() are the two halves of dhcp_start(), for a caller with other
 * work to do meanwhile.
 */
#include "dhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DNSMASQ_PATH    "/usr/sbin/dnsmasq"
#define DHCP_PID_FILE   "dnsmasq.pid"
#define DHCP_LEASE_TIME "1h"
/* How long dnsmasq gets to exit after SIGTERM: 200 x 10 ms. */
#define DHCP_STOP_POLLS 200

/* argv strings, built before fork() so the child only execs. */
struct dhcp_args {
	char pid_file[PATH_MAX + 16];
	char lease_file[PATH_MAX + 16];
	char log_file[PATH_MAX + 16];
	char interface[32];
	char range[96];
	char ra_range[64];
};

/* One "--dhcp-host=MAC,ADDR" per fixed lease. */
#define DHCP_HOST_ARG_LEN 48

/* In the child: only async-signal-safe calls until execve(). */
static void
dhcp_exec(char *const argv[], const sigset_t *mask)
{
	int null = open("/dev/null", O_RDWR);

	/*
	 * The forking thread may block signals (programs that take them
	 * through dispatch sources do); dnsmasq must get our SIGTERM.
	 */
	sigprocmask(SIG_SETMASK, mask, NULL);
	/*
	 * Leave the caller's session: a terminal's Ctrl-C goes to the whole
	 * foreground group, and one that killed dnsmasq's first process while
	 * its daemon starts would fail the start and leave the daemon
	 * running, unknown to us (no pid file yet). dnsmasq is stopped by its
	 * network's teardown, never by the caller's signals.
	 */
	setsid();

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO); /* stdout may carry the caller's JSON */
	}
	/* Leave no descriptor of ours (TAPs, the state lock) to the daemon. */
	close_range(3, ~0U, 0);
	execve(DNSMASQ_PATH, argv, (char *[]){NULL});
	_exit(127);
}

pid_t
dhcp_spawn(const char *dir, const char *bridge, const struct dhcp_conf *conf)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN];
	char(*hosts)[DHCP_HOST_ARG_LEN] = NULL;
	struct dhcp_args s;
	char **argv;
	size_t n = 0, i;
	sigset_t empty;
	pid_t pid;
	int err;

	if (!conf->dhcp && !conf->dns && !conf->ra)
		return 0;
	argv = calloc(24 + conf->nfixed, sizeof(*argv));
	if (conf->nfixed)
		hosts = calloc(conf->nfixed, sizeof(*hosts));
	if (!argv || (conf->nfixed && !hosts)) {
		free(argv);
		free(hosts);
		errno = ENOMEM;
		return -1;
	}
	inet_ntop(AF_INET, &conf->first, a, sizeof(a));
	inet_ntop(AF_INET, &conf->last, b, sizeof(b));
	inet_ntop(AF_INET, &conf->mask, m, sizeof(m));
	snprintf(s.pid_file, sizeof(s.pid_file), "--pid-file=%s/" DHCP_PID_FILE, dir);
	snprintf(s.lease_file, sizeof(s.lease_file), "--dhcp-leasefile=%s/dnsmasq.leases", dir);
	snprintf(s.log_file, sizeof(s.log_file), "--log-facility=%s/dnsmasq.log", dir);
	snprintf(s.interface, sizeof(s.interface), "--interface=%s", bridge);
	snprintf(s.range, sizeof(s.range), "--dhcp-range=%s,%s,%s," DHCP_LEASE_TIME, a, b, m);
	snprintf(s.ra_range, sizeof(s.ra_range), "--dhcp-range=::,constructor:%s,ra-only", bridge);

	argv[n++] = "dnsmasq";
	argv[n++] = "--conf-file=/dev/null";
	argv[n++] = "--no-hosts";
	argv[n++] = "--bind-interfaces";
	argv[n++] = "--except-interface=lo";
	argv[n++] = s.interface;
	argv[n++] = s.pid_file;
	argv[n++] = s.lease_file;
	argv[n++] = s.log_file;
	if (conf->dhcp) {
		argv[n++] = s.range;
		argv[n++] = "--dhcp-authoritative";
		argv[n++] = "--no-ping";
		for (i = 0; i < conf->nfixed; i++) {
			const uint8_t *mac = conf->fixed_mac[i];

			inet_ntop(AF_INET, &conf->fixed_addr[i], a, sizeof(a));
			snprintf(hosts[i], sizeof(hosts[i]),
			         "--dhcp-host=%02x:%02x:%02x:%02x:%02x:%02x,%s", mac[0], mac[1],
			         mac[2], mac[3], mac[4], mac[5], a);
			argv[n++] = hosts[i];
		}
	}
	if (conf->ra) {
		argv[n++] = "--enable-ra";
		argv[n++] = s.ra_range;
	}
	/* Shared mode forwards DNS as vmnet's proxy does; host mode has none. */
	argv[n++] = conf->dns ? "--domain-needed" : "--port=0";
	argv[n] = NULL;

	sigemptyset(&empty);
	pid = fork();
	if (pid == 0)
		dhcp_exec(argv, &empty);
	err = errno;
	free(hosts);
	free(argv);
	errno = err;
	return pid;
}

int
dhcp_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
dhcp_start(const char *dir, const char *bridge, const struct dhcp_conf *conf)
{
	pid_t pid = dhcp_spawn(dir, bridge, conf);

	return pid > 0 ? dhcp_wait(pid) : (int)pid;
}

/* Read the first line of @path into @buf. Return: bytes read, or -1. */
static ssize_t
dhcp_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* Is @pid dnsmasq serving @bridge in our network namespace? */
static bool
dhcp_is_ours(pid_t pid, const char *bridge)
{
	char path[64], cmdline[4096], want[32];
	struct stat mine, theirs;
	ssize_t n, off;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/thread-self/ns/net", &mine) < 0 || stat(path, &theirs) < 0 ||
	    mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = dhcp_read_file(path, cmdline, sizeof(cmdline));
	if (n <= 0 || strcmp(cmdline, "dnsmasq") != 0)
		return false;
	snprintf(want, sizeof(want), "--interface=%s", bridge);
	for (off = 0; off < n; off += (ssize_t)strlen(cmdline + off) + 1)
		if (strcmp(cmdline + off, want) == 0)
			return true;
	return false;
}

/* Gone, or a zombie nobody has reaped yet. */
static bool
dhcp_exited(pid_t pid)
{
	char path[64], stat_line[512];
	const char *p;

	if (kill(pid, 0) < 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (dhcp_read_file(path, stat_line, sizeof(stat_line)) < 0)
		return true;
	p = strrchr(stat_line, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

int
dhcp_stop(const char *dir, const char *bridge)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	char path[PATH_MAX], buf[32];
	long pid;
	int i;

	snprintf(path, sizeof(path), "%s/" DHCP_PID_FILE, dir);
	if (dhcp_read_file(path, buf, sizeof(buf)) <= 0)
		return errno == ENOENT ? 0 : -1;
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || pid > INT_MAX || !dhcp_is_ours((pid_t)pid, bridge))
		return 0;
	if (kill((pid_t)pid, SIGTERM) < 0)
		return errno == ESRCH ? 0 : -1;
	for (i = 0; i < DHCP_STOP_POLLS && !dhcp_exited((pid_t)pid); i++)
		nanosleep(&tick, NULL);
	if (i == DHCP_STOP_POLLS && kill((pid_t)pid, SIGKILL) < 0 && errno != ESRCH)
		return -1;
	return 0;
}

bool
dhcp_may_run(const char *dir)
{
	char path[PATH_MAX], buf[32];
	long pid;

	snprintf(path, sizeof(path), "%s/" DHCP_PID_FILE, dir);
	if (dhcp_read_file(path, buf, sizeof(buf)) <= 0)
		return errno != ENOENT;
	pid = strtol(buf, NULL, 10);
	if (pid <= 1 || pid > INT_MAX)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}
