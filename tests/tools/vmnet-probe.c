// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet-probe - drive the vmnet API for the integration tests.
 *
 * usage: vmnet-probe [options] start|serve|errors|events|stop-in-event|list
 *
 *   --mode host|shared|bridged|NUMBER   operation mode (required for start)
 *   --start ADDR --end ADDR --mask ADDR DHCP range and subnet
 *   --id UUID                           vmnet_interface_id
 *   --interface NAME                    bridged mode: the bridge
 *   --nat66 PREFIX                      vmnet_nat66_prefix
 *   --isolate  --tso  --checksum-offload  --no-mac
 *   --drop-to ID                        once started (before printing the
 *                                       parameters), become uid and gid ID
 *                                       with no supplementary groups, for good
 *
 * Every command but list starts an interface and prints its
 * interface_param as one JSON line; if the start fails it prints
 * {"status": N, "error": "NAME"} instead and exits 2.
 *
 *   start   stop again at once; prints {"stop": N} (the handler's status).
 *   serve   exchange frames as hex lines: a line on stdin is written to the
 *           interface; every frame read after an event is printed as
 *           "rx HEX"; a failed write prints "tx-error N". At end of stdin
 *           the interface stops and a summary line is printed:
 *           {"stop": N, "events": N, "min_estimate": N}.
 *   errors  run the error paths of read, write, set_event_callback and
 *           stop and print their statuses as one JSON object.
 *   events  host and shared mode: check event delivery. A callback that
 *           reads one frame per event must still get the gateway's replies
 *           to five ARP requests (events repeat while frames wait); once
 *           the callback is cleared no event fires although frames arrive.
 *           The gateway's replies to PROBE_QUEUED more requests then wait
 *           unread, and a new callback reports the first event's estimate.
 *           Prints {"arp_replies": N, "events": N, "events_after_clear": N,
 *           "frames_after_clear": N, "queued_estimate": N}.
 *   stop-in-event
 *           host and shared mode: the event callback stops the interface
 *           and waits there for the stop's handler, which runs on another
 *           queue. Prints {"stop": N} (the handler's status, or -1 if it
 *           did not run within the timeout).
 *   list    print vmnet_copy_shared_interface_list() as a JSON array.
 */
#include <Block.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dispatch/dispatch.h>
#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#define PROBE_TIMEOUT  (20 * NSEC_PER_SEC)
#define PROBE_BATCH    32
#define PROBE_QUEUED   8 /* frames left waiting for the estimate */
#define PROBE_LINE_MAX (2 * 65550 + 16)

struct probe {
	dispatch_queue_t queue;
	interface_ref iface;
	size_t max_packet_size;
	int read_max, write_max;
	uint8_t mac[6];         /* the guest's, from interface_param */
	struct in_addr gateway; /* vmnet_start_address */
	/* serve: touched only on queue */
	unsigned long events;
	uint64_t min_estimate;
	struct vmpktdesc pkts[PROBE_BATCH];
	struct iovec iovs[PROBE_BATCH];
};

static const char *
probe_status_name(vmnet_return_t status)
{
	static const char *const names[] = {
	    "VMNET_SUCCESS",          "VMNET_FAILURE",
	    "VMNET_MEM_FAILURE",      "VMNET_INVALID_ARGUMENT",
	    "VMNET_SETUP_INCOMPLETE", "VMNET_INVALID_ACCESS",
	    "VMNET_PACKET_TOO_BIG",   "VMNET_BUFFER_EXHAUSTED",
	    "VMNET_TOO_MANY_PACKETS", "VMNET_SHARING_SERVICE_BUSY",
	    "VMNET_NOT_AUTHORIZED",
	};

	if (status < VMNET_SUCCESS || status > VMNET_NOT_AUTHORIZED)
		return "unknown";
	return names[status - VMNET_SUCCESS];
}

static void
usage(void)
{
	fprintf(stderr, "usage: vmnet-probe [--mode M] [--start A --end A --mask A] [--id UUID]\n"
	                "       [--interface NAME] [--nat66 PREFIX] [--isolate] [--tso]\n"
	                "       [--checksum-offload] [--no-mac] [--drop-to ID]\n"
	                "       start|serve|errors|events|stop-in-event|list\n");
	exit(1);
}

static void
print_json(cJSON *json)
{
	char *s = cJSON_PrintUnformatted(json);

	if (!s) {
		fprintf(stderr, "vmnet-probe: out of memory\n");
		exit(1);
	}
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	cJSON_Delete(json);
}

static int
parse_uuid(const char *s, uuid_t out)
{
	int n = 0;

	for (; *s && n < 32; s++) {
		unsigned int v;

		if (*s == '-')
			continue;
		if (sscanf(s, "%1x", &v) != 1)
			return -1;
		out[n / 2] = (uint8_t)(n % 2 ? out[n / 2] | v : v << 4);
		n++;
	}
	return n == 32 && !*s ? 0 : -1;
}

static void
format_uuid(const uint8_t *u, char buf[37])
{
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		o += sprintf(buf + o, "%02x", u[i]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			buf[o++] = '-';
	}
	buf[o] = '\0';
}

static uint32_t
parse_mode(const char *s)
{
	if (strcmp(s, "host") == 0)
		return VMNET_HOST_MODE;
	if (strcmp(s, "shared") == 0)
		return VMNET_SHARED_MODE;
	if (strcmp(s, "bridged") == 0)
		return VMNET_BRIDGED_MODE;
	return (uint32_t)strtoul(s, NULL, 0);
}

static xpc_object_t
parse_options(int argc, char **argv, const char **command, long *drop_to)
{
	static const struct option options[] = {
	    {"mode", required_argument, NULL, 'm'},
	    {"start", required_argument, NULL, 's'},
	    {"end", required_argument, NULL, 'e'},
	    {"mask", required_argument, NULL, 'k'},
	    {"id", required_argument, NULL, 'i'},
	    {"interface", required_argument, NULL, 'n'},
	    {"nat66", required_argument, NULL, '6'},
	    {"isolate", no_argument, NULL, 'I'},
	    {"tso", no_argument, NULL, 'T'},
	    {"checksum-offload", no_argument, NULL, 'C'},
	    {"no-mac", no_argument, NULL, 'M'},
	    {"drop-to", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	xpc_object_t desc = xpc_dictionary_create_empty();
	uuid_t id;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'm':
			xpc_dictionary_set_uint64(desc, vmnet_operation_mode_key,
			                          parse_mode(optarg));
			break;
		case 's':
			xpc_dictionary_set_string(desc, vmnet_start_address_key, optarg);
			break;
		case 'e':
			xpc_dictionary_set_string(desc, vmnet_end_address_key, optarg);
			break;
		case 'k':
			xpc_dictionary_set_string(desc, vmnet_subnet_mask_key, optarg);
			break;
		case 'i':
			if (parse_uuid(optarg, id) < 0)
				usage();
			xpc_dictionary_set_uuid(desc, vmnet_interface_id_key, id);
			break;
		case 'n':
			xpc_dictionary_set_string(desc, vmnet_shared_interface_name_key, optarg);
			break;
		case '6':
			xpc_dictionary_set_string(desc, vmnet_nat66_prefix_key, optarg);
			break;
		case 'I':
			xpc_dictionary_set_bool(desc, vmnet_enable_isolation_key, true);
			break;
		case 'T':
			xpc_dictionary_set_bool(desc, vmnet_enable_tso_key, true);
			break;
		case 'C':
			xpc_dictionary_set_bool(desc, vmnet_enable_checksum_offload_key, true);
			break;
		case 'M':
			xpc_dictionary_set_bool(desc, vmnet_allocate_mac_address_key, false);
			break;
		case 'D':
			*drop_to = strtol(optarg, &end, 10);
			if (*end || *drop_to <= 0 || *drop_to > 65534)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	*command = argv[optind];
	return desc;
}

static cJSON *
param_to_json(xpc_object_t param)
{
	cJSON *json = cJSON_CreateObject();

	xpc_dictionary_apply(param, ^bool(const char *key, xpc_object_t value) {
		xpc_type_t type = xpc_get_type(value);
		char buf[37];

		if (type == XPC_TYPE_UINT64)
			cJSON_AddNumberToObject(json, key, (double)xpc_uint64_get_value(value));
		else if (type == XPC_TYPE_STRING)
			cJSON_AddStringToObject(json, key, xpc_string_get_string_ptr(value));
		else if (type == XPC_TYPE_BOOL)
			cJSON_AddBoolToObject(json, key, xpc_bool_get_value(value));
		else if (type == XPC_TYPE_UUID) {
			format_uuid(xpc_uuid_get_bytes(value), buf);
			cJSON_AddStringToObject(json, key, buf);
		}
		/* cppcheck reads the block literal as part of the function. */
		// cppcheck-suppress CastIntegerToAddressAtReturn
		return true;
	});
	return json;
}

static void
parse_param_addresses(struct probe *p, xpc_object_t param)
{
	const char *mac = xpc_dictionary_get_string(param, vmnet_mac_address_key);
	const char *gw = xpc_dictionary_get_string(param, vmnet_start_address_key);

	if (mac)
		sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &p->mac[0], &p->mac[1], &p->mac[2],
		       &p->mac[3], &p->mac[4], &p->mac[5]);
	if (gw)
		inet_pton(AF_INET, gw, &p->gateway);
}

/* Become an unprivileged user for good, as vmnet-helper does after its start. */
static void
probe_drop(long id)
{
	gid_t gid = (gid_t)id;

	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid((uid_t)id) < 0) {
		fprintf(stderr, "vmnet-probe: cannot drop to %ld: %s\n", id, strerror(errno));
		exit(1);
	}
}

/*
 * Start the interface, drop to @drop_to if positive, and print the
 * interface's parameters; exit 2 on failure.
 */
static void
probe_start(struct probe *p, xpc_object_t desc, long drop_to)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t status = VMNET_FAILURE;
	__block cJSON *json = NULL;

	p->iface = vmnet_start_interface(desc, p->queue, ^(vmnet_return_t s, xpc_object_t param) {
		status = s;
		if (s == VMNET_SUCCESS) {
			json = param_to_json(param);
			p->max_packet_size =
			    xpc_dictionary_get_uint64(param, vmnet_max_packet_size_key);
			/* Reported since macOS 15; 0 (not reported) before. */
			// cppcheck-suppress unknownMacro
			if (__builtin_available(macOS 15.0, *)) {
				p->read_max = (int)xpc_dictionary_get_uint64(
				    param, vmnet_read_max_packets_key);
				p->write_max = (int)xpc_dictionary_get_uint64(
				    param, vmnet_write_max_packets_key);
			}
			parse_param_addresses(p, param);
		}
		dispatch_semaphore_signal(done);
	});
	if (!p->iface) {
		fprintf(stderr, "vmnet-probe: vmnet_start_interface returned NULL\n");
		exit(1);
	}
	if (dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT)) != 0) {
		fprintf(stderr, "vmnet-probe: start handler did not run\n");
		exit(1);
	}
	dispatch_release(done);
	if (status != VMNET_SUCCESS) {
		json = cJSON_CreateObject();
		cJSON_AddNumberToObject(json, "status", status);
		cJSON_AddStringToObject(json, "error", probe_status_name(status));
		print_json(json);
		exit(2);
	}
	if (drop_to > 0)
		probe_drop(drop_to);
	print_json(json);
}

/* Stop the interface. Return: the stop handler's status, or the call's. */
static vmnet_return_t
probe_stop(struct probe *p)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t status;
	vmnet_return_t rc;

	rc = vmnet_stop_interface(p->iface, p->queue, ^(vmnet_return_t s) {
		status = s;
		dispatch_semaphore_signal(done);
	});
	if (rc == VMNET_SUCCESS &&
	    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT)) != 0) {
		fprintf(stderr, "vmnet-probe: stop handler did not run\n");
		exit(1);
	}
	/* Waited for, or never to run: the handler is done with it. */
	dispatch_release(done);
	return rc == VMNET_SUCCESS ? status : rc;
}

static void
print_hex_frame(const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	static char line[PROBE_LINE_MAX];
	size_t i, o = 0;

	memcpy(line, "rx ", 3);
	o = 3;
	for (i = 0; i < len && o + 3 < sizeof(line); i++) {
		line[o++] = digits[data[i] >> 4];
		line[o++] = digits[data[i] & 15];
	}
	line[o++] = '\n';
	fwrite(line, 1, o, stdout);
}

/* Event callback: read everything queued and print it. Runs on p->queue. */
static void
probe_on_event(struct probe *p, xpc_object_t event)
{
	uint64_t estimate = xpc_dictionary_get_uint64(event, vmnet_estimated_packets_available_key);
	int i, n;

	p->events++;
	if (p->events == 1 || estimate < p->min_estimate)
		p->min_estimate = estimate;
	do {
		for (i = 0; i < PROBE_BATCH; i++) {
			p->pkts[i].vm_pkt_size = p->max_packet_size;
			p->pkts[i].vm_flags = 0;
			p->iovs[i].iov_len = p->max_packet_size;
		}
		n = PROBE_BATCH;
		if (vmnet_read(p->iface, p->pkts, &n) != VMNET_SUCCESS)
			break;
		for (i = 0; i < n; i++)
			print_hex_frame(p->iovs[i].iov_base, p->pkts[i].vm_pkt_size);
	} while (n > 0);
	fflush(stdout);
}

static int
parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;
	unsigned int v;

	while (s[0] && s[0] != '\n') {
		if (n == cap || sscanf(s, "%2x", &v) != 1 || !s[1] || s[1] == '\n')
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	*len = n;
	return 0;
}

static int
probe_serve(struct probe *p)
{
	static char line[PROBE_LINE_MAX];
	static uint8_t frame[65550 + 16];
	vmnet_interface_event_callback_t on_event;
	vmnet_return_t rc;
	cJSON *json;
	int i;

	for (i = 0; i < PROBE_BATCH; i++) {
		p->iovs[i].iov_base = malloc(p->max_packet_size);
		if (!p->iovs[i].iov_base)
			return 1;
		p->pkts[i].vm_pkt_iov = &p->iovs[i];
		p->pkts[i].vm_pkt_iovcnt = 1;
	}
	on_event = ^(interface_event_t mask, xpc_object_t event) {
		if (mask & VMNET_INTERFACE_PACKETS_AVAILABLE)
			probe_on_event(p, event);
	};
	rc = vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE,
	                                        p->queue, on_event);
	if (rc != VMNET_SUCCESS) {
		fprintf(stderr, "vmnet-probe: set_event_callback: %s\n", probe_status_name(rc));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct iovec iov = {.iov_base = frame};
		struct vmpktdesc pkt = {.vm_pkt_iov = &iov, .vm_pkt_iovcnt = 1};
		int n = 1;

		if (parse_hex(line, frame, sizeof(frame), &pkt.vm_pkt_size) < 0) {
			fprintf(stderr, "vmnet-probe: bad hex line\n");
			continue;
		}
		iov.iov_len = pkt.vm_pkt_size;
		rc = vmnet_write(p->iface, &pkt, &n);
		/* stdio locks per call, so this never splits an "rx" line. */
		if (rc != VMNET_SUCCESS || n != 1) {
			printf("tx-error %u\n", rc);
			fflush(stdout);
		}
	}
	vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, NULL, NULL);
	rc = probe_stop(p);
	json = cJSON_CreateObject();
	cJSON_AddNumberToObject(json, "stop", rc);
	/* The stop handler ran on p->queue after every earlier event. */
	cJSON_AddNumberToObject(json, "events", (double)p->events);
	cJSON_AddNumberToObject(json, "min_estimate", (double)p->min_estimate);
	print_json(json);
	return 0;
}

/* One read with the given buffer size, iov length and count. */
static vmnet_return_t
try_read(struct probe *p, size_t size, size_t iov_len, int count, int *out)
{
	struct vmpktdesc *pkts = calloc((size_t)count, sizeof(*pkts));
	struct iovec *iovs = calloc((size_t)count, sizeof(*iovs));
	uint8_t *buf = malloc(p->max_packet_size);
	vmnet_return_t rc;
	int i;

	if (!pkts || !iovs || !buf)
		exit(1);
	for (i = 0; i < count; i++) {
		iovs[i] = (struct iovec){.iov_base = buf, .iov_len = iov_len};
		pkts[i] = (struct vmpktdesc){
		    .vm_pkt_size = size, .vm_pkt_iov = &iovs[i], .vm_pkt_iovcnt = 1};
	}
	*out = count;
	rc = vmnet_read(p->iface, pkts, out);
	free(pkts);
	free(iovs);
	free(buf);
	return rc;
}

/* Write @count frames of the given sizes (sizes[i], one iovec each). */
static vmnet_return_t
try_write(struct probe *p, const size_t *sizes, int count, uint32_t iovcnt, int *out)
{
	struct vmpktdesc *pkts = calloc((size_t)count, sizeof(*pkts));
	struct iovec *iovs = calloc((size_t)count * 2, sizeof(*iovs));
	uint8_t *buf = calloc(1, p->max_packet_size + 16);
	vmnet_return_t rc;
	int i;

	if (!pkts || !iovs || !buf)
		exit(1);
	/* A broadcast frame of an unused EtherType: harmless on the wire. */
	memset(buf, 0xff, 6);
	memcpy(buf + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
	for (i = 0; i < count; i++) {
		iovs[2 * i] = (struct iovec){.iov_base = buf, .iov_len = sizes[i] / 2};
		iovs[2 * i + 1] = (struct iovec){.iov_base = buf + sizes[i] / 2,
		                                 .iov_len = sizes[i] - sizes[i] / 2};
		if (iovcnt == 1)
			iovs[2 * i].iov_len = sizes[i];
		pkts[i] = (struct vmpktdesc){
		    .vm_pkt_size = sizes[i], .vm_pkt_iov = &iovs[2 * i], .vm_pkt_iovcnt = iovcnt};
	}
	*out = count;
	rc = vmnet_write(p->iface, pkts, out);
	free(pkts);
	free(iovs);
	free(buf);
	return rc;
}

static void
add_result(cJSON *json, const char *name, vmnet_return_t rc, int count)
{
	cJSON *o = cJSON_AddObjectToObject(json, name);

	cJSON_AddNumberToObject(o, "status", rc);
	cJSON_AddNumberToObject(o, "count", count);
}

static int
probe_errors(struct probe *p)
{
	size_t max = p->max_packet_size, sizes[PROBE_BATCH];
	cJSON *json = cJSON_CreateObject();
	vmnet_return_t rc;
	int n, i, tries;

	add_result(json, "read_small_size", try_read(p, max - 1, max, 1, &n), n);
	add_result(json, "read_small_iov", try_read(p, max, max - 1, 1, &n), n);
	add_result(json, "read_too_many", try_read(p, max, max, p->read_max + 1, &n), n);
	/* Drain whatever the kernel sent; a read must come back empty. */
	for (tries = 0; tries < 1000; tries++)
		if (try_read(p, max, max, 1, &n) != VMNET_SUCCESS || n == 0)
			break;
	add_result(json, "read_empty", try_read(p, max, max, 1, &n), n);

	sizes[0] = max + 1;
	add_result(json, "write_too_big", try_write(p, sizes, 1, 1, &n), n);
	sizes[0] = 13;
	add_result(json, "write_runt", try_write(p, sizes, 1, 1, &n), n);
	sizes[0] = 60;
	add_result(json, "write_two_iovecs", try_write(p, sizes, 1, 2, &n), n);
	for (i = 0; i < PROBE_BATCH; i++)
		sizes[i] = 60;
	sizes[2] = max + 1;
	add_result(json, "write_partial", try_write(p, sizes, 3, 1, &n), n);
	sizes[2] = max;
	add_result(json, "write_max", try_write(p, sizes, 3, 1, &n), n);
	{
		size_t *many = malloc(sizeof(*many) * (size_t)(p->write_max + 1));

		for (i = 0; i <= p->write_max; i++)
			many[i] = 60;
		add_result(json, "write_too_many", try_write(p, many, p->write_max + 1, 1, &n), n);
		free(many);
	}
	rc = vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE,
	                                        p->queue, NULL);
	add_result(json, "callback_without_block", rc, 0);

	add_result(json, "stop", probe_stop(p), 0);
	add_result(json, "read_after_stop", try_read(p, max, max, 1, &n), n);
	sizes[0] = 60;
	add_result(json, "write_after_stop", try_write(p, sizes, 1, 1, &n), n);
	add_result(json, "stop_again", probe_stop(p), 0);
	print_json(json);
	return 0;
}

static int
probe_list(void)
{
	xpc_object_t list = vmnet_copy_shared_interface_list();
	cJSON *json = cJSON_CreateArray();
	size_t i;

	if (!list) {
		fprintf(stderr, "vmnet-probe: vmnet_copy_shared_interface_list failed\n");
		return 1;
	}
	for (i = 0; i < xpc_array_get_count(list); i++)
		cJSON_AddItemToArray(json, cJSON_CreateString(xpc_array_get_string(list, i)));
	xpc_release(list);
	print_json(json);
	return 0;
}

/* Send an ARP request for the gateway from gateway + @host. */
static void
send_arp_request(struct probe *p, uint8_t host)
{
	uint8_t f[42] = {0};
	struct iovec iov = {.iov_base = f, .iov_len = sizeof(f)};
	struct vmpktdesc pkt = {.vm_pkt_size = sizeof(f), .vm_pkt_iov = &iov, .vm_pkt_iovcnt = 1};
	uint32_t me = htonl(ntohl(p->gateway.s_addr) + host);
	int n = 1;

	memset(f, 0xff, 6);
	memcpy(f + 6, p->mac, 6);
	memcpy(f + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	memcpy(f + 22, p->mac, 6);
	memcpy(f + 28, &me, 4);
	memcpy(f + 38, &p->gateway, 4);
	if (vmnet_write(p->iface, &pkt, &n) != VMNET_SUCCESS || n != 1) {
		fprintf(stderr, "vmnet-probe: cannot write ARP request\n");
		exit(1);
	}
}

static bool
is_gateway_arp_reply(const struct probe *p, const uint8_t *f, size_t len)
{
	return len >= 42 && memcmp(f + 12, "\x08\x06", 2) == 0 && f[21] == 2 &&
	       memcmp(f + 28, &p->gateway, 4) == 0;
}

static void
no_op(void *arg)
{
	(void)arg;
}

static int
probe_events(struct probe *p)
{
	/* Static, so the block uses them in place instead of const copies. */
	static uint8_t buf[65550];
	static struct iovec iov = {.iov_base = buf};
	static struct vmpktdesc pkt = {.vm_pkt_iov = &iov, .vm_pkt_iovcnt = 1};
	dispatch_semaphore_t got = dispatch_semaphore_create(0);
	__block int replies = 0, events = 0;
	__block uint64_t estimate = 0;
	int i, n, after, after_clear, frames = 0;
	vmnet_interface_event_callback_t one_per_event;
	cJSON *json;

	one_per_event = ^(interface_event_t mask, xpc_object_t event) {
		int count = 1;

		(void)mask;
		(void)event;
		events++;
		pkt.vm_pkt_size = iov.iov_len = p->max_packet_size;
		if (vmnet_read(p->iface, &pkt, &count) == VMNET_SUCCESS && count == 1 &&
		    is_gateway_arp_reply(p, buf, pkt.vm_pkt_size) && ++replies == 5)
			dispatch_semaphore_signal(got);
	};
	if (vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE,
	                                       p->queue, one_per_event) != VMNET_SUCCESS)
		return 1;
	for (i = 0; i < 5; i++)
		send_arp_request(p, (uint8_t)(10 + i));
	dispatch_semaphore_wait(got, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT));
	vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, NULL, NULL);
	/* A callback already running finishes before this returns. */
	dispatch_sync_f(p->queue, NULL, no_op);
	after = events;

	for (i = 0; i < PROBE_QUEUED; i++)
		send_arp_request(p, (uint8_t)(20 + i));
	usleep(500 * 1000);
	dispatch_sync_f(p->queue, NULL, no_op);
	after_clear = events;
	/* The replies wait unread: the next event's estimate counts them. */
	if (vmnet_interface_set_event_callback(
	        p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, p->queue,
	        ^(interface_event_t mask, xpc_object_t event) {
		        (void)mask;
		        if (!estimate) {
			        estimate = xpc_dictionary_get_uint64(
			            event, vmnet_estimated_packets_available_key);
			        dispatch_semaphore_signal(got);
		        }
	        }) != VMNET_SUCCESS)
		return 1;
	dispatch_semaphore_wait(got, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT));
	vmnet_interface_set_event_callback(p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, NULL, NULL);
	dispatch_sync_f(p->queue, NULL, no_op);
	do {
		pkt.vm_pkt_size = iov.iov_len = p->max_packet_size;
		n = 1;
		if (vmnet_read(p->iface, &pkt, &n) != VMNET_SUCCESS)
			break;
		frames += n;
	} while (n > 0);

	json = cJSON_CreateObject();
	cJSON_AddNumberToObject(json, "arp_replies", replies);
	cJSON_AddNumberToObject(json, "events", after);
	cJSON_AddNumberToObject(json, "events_after_clear", after_clear - after);
	cJSON_AddNumberToObject(json, "frames_after_clear", frames);
	cJSON_AddNumberToObject(json, "queued_estimate", (double)estimate);
	print_json(json);
	probe_stop(p);
	dispatch_release(got);
	return 0;
}

static int
probe_stop_in_event(struct probe *p)
{
	dispatch_queue_t other = dispatch_queue_create("vmnet-probe.stop", DISPATCH_QUEUE_SERIAL);
	dispatch_semaphore_t stopped = dispatch_semaphore_create(0);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t status = VMNET_SUCCESS;
	__block bool first = true, stop_ran = false;
	cJSON *json;

	if (vmnet_interface_set_event_callback(
	        p->iface, VMNET_INTERFACE_PACKETS_AVAILABLE, p->queue,
	        ^(interface_event_t mask, xpc_object_t event) {
		        (void)mask;
		        (void)event;
		        if (!first)
			        return;
		        first = false;
		        if (vmnet_stop_interface(p->iface, other, ^(vmnet_return_t s) {
			            status = s;
			            stop_ran = true;
			            dispatch_semaphore_signal(stopped);
		            }) == VMNET_SUCCESS)
			        dispatch_semaphore_wait(
			            stopped, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT));
		        dispatch_semaphore_signal(done);
	        }) != VMNET_SUCCESS)
		return 1;
	send_arp_request(p, 10);
	if (dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, 2 * PROBE_TIMEOUT)) !=
	    0) {
		fprintf(stderr, "vmnet-probe: no event\n");
		return 1;
	}
	json = cJSON_CreateObject();
	cJSON_AddNumberToObject(json, "stop", stop_ran ? (double)status : -1);
	print_json(json);
	/* A handler that never ran may still signal its semaphore: keep it then. */
	if (stop_ran)
		dispatch_release(stopped);
	dispatch_release(done);
	dispatch_release(other);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct probe probe;
	const char *command;
	long drop_to = -1;
	xpc_object_t desc = parse_options(argc, argv, &command, &drop_to);
	cJSON *json;

	if (strcmp(command, "list") == 0) {
		xpc_release(desc);
		return probe_list();
	}
	if (strcmp(command, "start") != 0 && strcmp(command, "serve") != 0 &&
	    strcmp(command, "errors") != 0 && strcmp(command, "events") != 0 &&
	    strcmp(command, "stop-in-event") != 0)
		usage();
	probe.queue = dispatch_queue_create("vmnet-probe", DISPATCH_QUEUE_SERIAL);
	probe_start(&probe, desc, drop_to);
	xpc_release(desc);
	if (strcmp(command, "serve") == 0)
		return probe_serve(&probe);
	if (strcmp(command, "errors") == 0)
		return probe_errors(&probe);
	if (strcmp(command, "events") == 0)
		return probe_events(&probe);
	if (strcmp(command, "stop-in-event") == 0)
		return probe_stop_in_event(&probe);
	json = cJSON_CreateObject();
	cJSON_AddNumberToObject(json, "stop", probe_stop(&probe));
	print_json(json);
	return 0;
}
