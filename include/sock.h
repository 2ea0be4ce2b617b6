/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sock.h - the VM's unix datagram socket: checking a passed fd, buffer
 * sizes, and serving a path (--socket).
 */
#ifndef SOCK_H
#define SOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Suffix of the lock file next to a --socket path. */
#define SOCK_LOCK_SUFFIX ".lock"

/* vfkit and krunkit send these 4 bytes first to a unix datagram socket. */
#define SOCK_VFKIT_MAGIC "VFKT"

/* Result of sock_wait_client(). */
enum sock_wait {
	SOCK_CLIENT,   /* connected to the first sender, or accepted */
	SOCK_STOPPED,  /* the stop fd became readable */
	SOCK_WAIT_ERR, /* error, errno set */
};

int sock_check_fd(int fd, int *type, const char **reason);
void sock_buffer_sizes(uint64_t max_packet_size, unsigned batch, int *sndbuf, int *rcvbuf);
int sock_set_buffers(int fd, int *sndbuf, int *rcvbuf, int min);
void sock_size_buffers(int fd, uint64_t max_packet_size, unsigned batch, const char *whose);
int sock_lock(const char *path);
int sock_bind(const char *path);
int sock_listen(const char *path, int backlog);
enum sock_wait sock_accept(int sock, int stop_fd, int *conn);
enum sock_wait sock_wait_client(int sock, int stop_fd,
                                void (*ignored)(const char *reason, int err));
void sock_remove(const char *path);
void sock_unlock(const char *path, int lock_fd);

#ifdef __cplusplus
}
#endif

#endif /* SOCK_H */
