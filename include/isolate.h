/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isolate.h - narrowing what the helper process can do, in two stages.
 */
#ifndef ISOLATE_H
#define ISOLATE_H

#ifdef __cplusplus
extern "C" {
#endif

int isolate_initial(int keep_fd);
int isolate_forwarding(void);

#ifdef __cplusplus
}
#endif

#endif /* ISOLATE_H */
