/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox.h - the last narrowing stage: once forwarding runs, the helper
 * gives up every system call that forwarding, stats, logging and the
 * shutdown do not need (see docs/helper.md, Security model).
 *
 * One implementation per OS, chosen by the Makefile: sandbox_linux.c (a
 * seccomp allow-list) and sandbox_darwin.c (documented: nothing to apply).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Test hook: with this variable set to "violate" in the environment, the
 * helper makes one forbidden system call right after the filter is in
 * place, which ends it (SIGSYS on Linux). It cannot do more than end the
 * helper; sudo's env_reset keeps it away from callers through sudo.
 */
#define SANDBOX_TEST_ENV "VMNET_HELPER_TEST_SANDBOX"

/*
 * sandbox_enter() - apply the sandbox to every thread of the process
 * @note:	set when nothing is applied: why (this OS, this build)
 *
 * Irreversible; afterwards a forbidden system call kills the process.
 *
 * Return: 0 applied, 1 not applied (*note says why), or -1 with errno.
 */
int sandbox_enter(const char **note);

#ifdef __cplusplus
}
#endif

#endif /* SANDBOX_H */
