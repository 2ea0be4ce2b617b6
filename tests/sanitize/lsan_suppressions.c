// SPDX-License-Identifier: Apache-2.0
/*
 * lsan_suppressions.c - linked into every program of the sanitizer build
 * (make SANITIZE=1) only: what LeakSanitizer must not report.
 *
 * The Linux platform never frees the struct behind an interface_ref, by
 * design (src/linux/vmnet.c, "Lifetime"): a stale reference must fail
 * cleanly, as with the real framework, so the helper exits with it still
 * allocated after vmnet_stop_interface(). It is named by the function
 * that allocates it: vmnet_start_interface() reaches that one by a tail
 * call, so it is not always on the allocation's stack.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:iface_begin\n";
}
