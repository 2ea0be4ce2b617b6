// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_xpc_wire.c - the Linux platform's XPC wire decoder (xpc_wire.c) on
 * arbitrary bytes: what a hostile peer of a service socket can send.
 *
 * The first XPC_WIRE_HEADER_SIZE bytes also go through the header parser,
 * and the whole input through the object decoder. Beyond not crashing,
 * every accepted object must encode again and decode to an equal object,
 * and an accepted header must be within the documented limits.
 */
#include <stdint.h>
#include <stdlib.h>

#include <xpc/xpc.h>

#include "../../src/linux/xpc_internal.h"
#include "../../src/linux/xpc_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xpc_wire_header h;
	xpc_object_t o, back;
	uint8_t *buf;
	size_t len;

	if (size >= XPC_WIRE_HEADER_SIZE && xpc_wire_header_parse(data, &h) == 0 &&
	    (h.length > XPC_WIRE_MAX_BODY || (h.flags != 0) != (h.id != 0)))
		abort();
	o = xpc_wire_decode(data, size);
	if (o == NULL)
		return 0;
	buf = xpc_wire_encode(o, &len);
	if (buf == NULL)
		abort();
	back = xpc_wire_decode(buf, len);
	if (back == NULL || !xpc_equal(o, back))
		abort();
	xpc_release(back);
	xpc_release(o);
	free(buf);
	return 0;
}
