// SPDX-License-Identifier: Apache-2.0
/*
 * sandbox_darwin.c - the sandbox stage on macOS: nothing beyond what
 * isolate_forwarding() already applies (see docs/macos.md, Sandbox).
 *
 * macOS has no supported equivalent of a seccomp allow-list for a plain
 * command-line program: sandbox_init() and its named profiles have been
 * deprecated since 10.8 and Seatbelt profiles are private; App Sandbox
 * needs a signed bundle with entitlements and forbids what vmnet
 * needs (com.apple.vm.networking is not given to third parties). A profile
 * that denies mach-lookup could also break vmnet_stop_interface(), which
 * talks to the vmnet service over XPC, and only a Mac could show it does
 * not. So the measures on macOS are the resource limits (no fork with
 * RLIMIT_NPROC 0, no new files with RLIMIT_FSIZE 0, a descriptor cap) and
 * the privilege drop, or no root at all on macOS 26.
 */
#include "sandbox.h"

int
sandbox_enter(const char **note)
{
	*note = "macOS has no supported system call filter; resource limits apply";
	return 1;
}
