/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stop.h - the process-wide shutdown request.
 *
 * Any thread (signal source, forwarding direction, socket wait) requests a
 * stop with an exit status; the first request wins. The request makes a
 * pipe readable and stays so: every waiter, in poll() or stop_wait(), wakes
 * up, and none consumes the wakeup of another.
 */
#ifndef STOP_H
#define STOP_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

int stop_init(void);
void stop_request(int status, const char *reason);
bool stop_requested(void);
int stop_fd(void);
int stop_wait(void);
const char *stop_reason(void);

#ifdef __cplusplus
}
#endif

#endif /* STOP_H */
