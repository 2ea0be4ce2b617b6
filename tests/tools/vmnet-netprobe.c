// SPDX-License-Identifier: Apache-2.0
/*
 * vmnet-netprobe - drive the macOS 26 network API for the integration
 * tests (vmnet-probe covers the interface API).
 *
 * usage: vmnet-netprobe errors
 *        vmnet-netprobe [--host] [--subnet ADDR --mask MASK] [--mtu N] hold
 *        vmnet-netprobe join SERIALIZATION
 *        vmnet-netprobe rules
 *
 *   errors  call every configuration and network function with bad
 *           arguments and print their statuses as one JSON object.
 *   hold    create a network, print {"serialization": S, "subnet": ...,
 *           "mask": ..., "prefix": ..., "prefix_len": N}; then a line
 *           "release" on stdin releases it and prints {"released": true};
 *           exits at end of stdin (releasing it if still held).
 *   join    turn S (as hold printed it) back into a network, start an
 *           interface on it and print the interface_param, or
 *           {"status": N} if either fails (exit 2); at end of stdin stop
 *           the interface and print {"stop": N}.
 *
 *   rules   start a shared-mode interface on a new network with subnet
 *           192.168.72.0/24 and run the run-time port-forwarding calls
 *           (add, duplicate, bad arguments, get, get_details, remove), printing
 *           their statuses and what the getters returned as one JSON
 *           object; the interface stays until end of stdin.
 *
 * S encodes the opaque serialization generically, one JSON object per xpc
 * value ({"s": string}, {"u": uint64}, {"uuid": hex}, ...), so the probe
 * knows nothing of its content.
 */
#include <cjson/cJSON.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CoreFoundation.h>
#include <dispatch/dispatch.h>
#include <vmnet/vmnet.h>
#include <xpc/xpc.h>

#define PROBE_TIMEOUT (20 * NSEC_PER_SEC)

static cJSON *
to_json(xpc_object_t v)
{
	xpc_type_t t = xpc_get_type(v);
	cJSON *o = cJSON_CreateObject();
	char hex[33];

	if (t == XPC_TYPE_STRING) {
		cJSON_AddStringToObject(o, "s", xpc_string_get_string_ptr(v));
	} else if (t == XPC_TYPE_UINT64) {
		cJSON_AddNumberToObject(o, "u", (double)xpc_uint64_get_value(v));
	} else if (t == XPC_TYPE_INT64) {
		cJSON_AddNumberToObject(o, "i", (double)xpc_int64_get_value(v));
	} else if (t == XPC_TYPE_BOOL) {
		cJSON_AddBoolToObject(o, "b", xpc_bool_get_value(v));
	} else if (t == XPC_TYPE_UUID) {
		for (int i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", xpc_uuid_get_bytes(v)[i]);
		cJSON_AddStringToObject(o, "uuid", hex);
	} else if (t == XPC_TYPE_DICTIONARY) {
		cJSON *d = cJSON_AddObjectToObject(o, "d");

		xpc_dictionary_apply(v, ^bool(const char *key, xpc_object_t value) {
			cJSON_AddItemToObject(d, key, to_json(value));
			/* cppcheck takes the block's return for to_json()'s. */
			// cppcheck-suppress CastIntegerToAddressAtReturn
			return true;
		});
	}
	return o;
}

static xpc_object_t
from_json(const cJSON *o)
{
	const cJSON *v;
	xpc_object_t d;
	uuid_t u;
	unsigned b;

	if ((v = cJSON_GetObjectItem(o, "s")) && cJSON_IsString(v))
		return xpc_string_create(v->valuestring);
	if ((v = cJSON_GetObjectItem(o, "u")) && cJSON_IsNumber(v))
		return xpc_uint64_create((uint64_t)v->valuedouble);
	if ((v = cJSON_GetObjectItem(o, "i")) && cJSON_IsNumber(v))
		return xpc_int64_create((int64_t)v->valuedouble);
	if ((v = cJSON_GetObjectItem(o, "b")) && cJSON_IsBool(v))
		return xpc_bool_create(cJSON_IsTrue(v));
	if ((v = cJSON_GetObjectItem(o, "uuid")) && cJSON_IsString(v) &&
	    strlen(v->valuestring) == 32) {
		for (int i = 0; i < 16; i++) {
			sscanf(v->valuestring + 2 * i, "%2x", &b);
			u[i] = (uint8_t)b;
		}
		return xpc_uuid_create(u);
	}
	if ((v = cJSON_GetObjectItem(o, "d")) && cJSON_IsObject(v)) {
		d = xpc_dictionary_create_empty();
		for (const cJSON *e = v->child; e; e = e->next) {
			xpc_object_t x = from_json(e);

			if (x) {
				xpc_dictionary_set_value(d, e->string, x);
				xpc_release(x);
			}
		}
		return d;
	}
	return NULL;
}

static void
print_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
	cJSON_Delete(o);
}

/* Wait for end of stdin, or a line equal to @word (Return: 1 for it, 0 at EOF). */
static int
read_until(const char *word)
{
	char line[64];

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (word && strcmp(line, word) == 0)
			return 1;
	}
	return 0;
}

static int
cmd_errors(void)
{
	vmnet_return_t st = 0;
	cJSON *o = cJSON_CreateObject();
	vmnet_network_configuration_ref shared, host;
	struct in_addr a, m, r;
	struct in6_addr p6;
	ether_addr_t mac;
	xpc_object_t ser;

#define PUT(name, value) cJSON_AddNumberToObject(o, name, (double)(value))
	PUT("create_bad_mode", (vmnet_network_configuration_create(1234, &st) == NULL) * st);
	shared = vmnet_network_configuration_create(VMNET_SHARED_MODE, &st);
	PUT("create_shared", st);
	host = vmnet_network_configuration_create(VMNET_HOST_MODE, &st);
	PUT("create_host", st);
	PUT("mtu_small", vmnet_network_configuration_set_mtu(shared, 100));
	PUT("mtu_big", vmnet_network_configuration_set_mtu(shared, 9001));
	PUT("mtu_ok", vmnet_network_configuration_set_mtu(shared, 9000));
	inet_pton(AF_INET, "8.8.8.0", &a);
	inet_pton(AF_INET, "255.255.255.0", &m);
	PUT("subnet_public", vmnet_network_configuration_set_ipv4_subnet(shared, &a, &m));
	inet_pton(AF_INET, "192.168.77.5", &a);
	PUT("subnet_host_bits", vmnet_network_configuration_set_ipv4_subnet(shared, &a, &m));
	inet_pton(AF_INET, "192.168.77.0", &a);
	inet_pton(AF_INET, "255.0.255.0", &m);
	PUT("subnet_bad_mask", vmnet_network_configuration_set_ipv4_subnet(shared, &a, &m));
	inet_pton(AF_INET6, "2001:db8::", &p6);
	PUT("prefix_not_ula", vmnet_network_configuration_set_ipv6_prefix(shared, &p6, 64));
	inet_pton(AF_INET6, "fd00:1::", &p6);
	PUT("prefix_too_long", vmnet_network_configuration_set_ipv6_prefix(shared, &p6, 65));
	PUT("prefix_ok", vmnet_network_configuration_set_ipv6_prefix(shared, &p6, 64));
	PUT("external_host_mode", vmnet_network_configuration_set_external_interface(host, "lo"));
	PUT("external_bad_name",
	    vmnet_network_configuration_set_external_interface(shared, "a\"b"));
	inet_pton(AF_INET, "192.168.77.5", &r);
	PUT("forward_bad_proto", vmnet_network_configuration_add_port_forwarding_rule(
	                             shared, IPPROTO_ICMP, AF_INET, 80, 8080, &r));
	PUT("forward_bad_family", vmnet_network_configuration_add_port_forwarding_rule(
	                              shared, IPPROTO_TCP, AF_UNIX, 80, 8080, &r));
	PUT("forward_port_zero", vmnet_network_configuration_add_port_forwarding_rule(
	                             shared, IPPROTO_TCP, AF_INET, 80, 0, &r));
	PUT("forward_host_mode", vmnet_network_configuration_add_port_forwarding_rule(
	                             host, IPPROTO_TCP, AF_INET, 80, 8080, &r));
	PUT("forward_ok", vmnet_network_configuration_add_port_forwarding_rule(
	                      shared, IPPROTO_TCP, AF_INET, 80, 8080, &r));
	PUT("forward_duplicate", vmnet_network_configuration_add_port_forwarding_rule(
	                             shared, IPPROTO_TCP, AF_INET, 81, 8080, &r));
	memcpy(&mac, "\x01\x00\x5e\x00\x00\x01", 6);
	PUT("reservation_multicast",
	    vmnet_network_configuration_add_dhcp_reservation(shared, &mac, &r));
	memcpy(&mac, "\x52\x54\x00\x00\x00\x05", 6);
	PUT("reservation_ok", vmnet_network_configuration_add_dhcp_reservation(shared, &mac, &r));
	PUT("reservation_duplicate",
	    vmnet_network_configuration_add_dhcp_reservation(shared, &mac, &r));
	PUT("network_null", (vmnet_network_create(NULL, &st) == NULL) * st);
	PUT("serialization_null",
	    (vmnet_network_create_with_serialization(NULL, &st) == NULL) * st);
	ser = xpc_dictionary_create_empty();
	PUT("serialization_empty",
	    (vmnet_network_create_with_serialization(ser, &st) == NULL) * st);
	xpc_release(ser);
	ser = xpc_string_create("not a dictionary");
	PUT("serialization_wrong_type",
	    (vmnet_network_create_with_serialization(ser, &st) == NULL) * st);
	xpc_release(ser);
	PUT("start_without_network",
	    vmnet_interface_start_with_network(NULL, NULL, NULL, NULL) == NULL);
#undef PUT
	CFRelease(shared);
	CFRelease(host);
	print_json(o);
	return 0;
}

static int
cmd_hold(int argc, char *argv[])
{
	vmnet_network_configuration_ref c;
	vmnet_network_ref net;
	struct in_addr a, m;
	struct in6_addr p6;
	char buf[INET6_ADDRSTRLEN];
	vmnet_return_t st;
	uint8_t len;
	bool host = false, subnet = false;
	xpc_object_t ser;
	cJSON *o;
	int i;

	for (i = 0; i < argc; i++)
		host |= strcmp(argv[i], "--host") == 0;
	c = vmnet_network_configuration_create(host ? VMNET_HOST_MODE : VMNET_SHARED_MODE, &st);
	for (i = 0; c && i + 1 < argc; i++) {
		if (strcmp(argv[i], "--subnet") == 0)
			subnet = inet_pton(AF_INET, argv[i + 1], &a) == 1;
		if (strcmp(argv[i], "--mask") == 0 && inet_pton(AF_INET, argv[i + 1], &m) == 1 &&
		    subnet)
			st = vmnet_network_configuration_set_ipv4_subnet(c, &a, &m);
		if (strcmp(argv[i], "--mtu") == 0)
			st = vmnet_network_configuration_set_mtu(c, (uint32_t)atoi(argv[i + 1]));
	}
	net = c ? vmnet_network_create(c, &st) : NULL;
	if (c)
		CFRelease(c);
	if (!net) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "status", st);
		print_json(o);
		return 2;
	}
	ser = vmnet_network_copy_serialization(net, &st);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "serialization", to_json(ser));
	xpc_release(ser);
	vmnet_network_get_ipv4_subnet(net, &a, &m);
	cJSON_AddStringToObject(o, "subnet", inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	cJSON_AddStringToObject(o, "mask", inet_ntop(AF_INET, &m, buf, sizeof(buf)));
	vmnet_network_get_ipv6_prefix(net, &p6, &len);
	cJSON_AddStringToObject(o, "prefix", inet_ntop(AF_INET6, &p6, buf, sizeof(buf)));
	cJSON_AddNumberToObject(o, "prefix_len", len);
	print_json(o);
	if (read_until("release")) {
		CFRelease(net);
		net = NULL;
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "released", true);
		print_json(o);
		read_until(NULL);
	}
	if (net)
		CFRelease(net);
	return 0;
}

static int
cmd_join(const char *text)
{
	dispatch_queue_t q = dispatch_queue_create("netprobe", DISPATCH_QUEUE_SERIAL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t result = VMNET_FAILURE;
	__block cJSON *param = NULL;
	cJSON *in = cJSON_Parse(text), *o;
	xpc_object_t ser = in ? from_json(in) : NULL, desc;
	vmnet_network_ref net;
	interface_ref iface;
	vmnet_return_t st = VMNET_INVALID_ARGUMENT;

	cJSON_Delete(in);
	net = ser ? vmnet_network_create_with_serialization(ser, &st) : NULL;
	if (ser)
		xpc_release(ser);
	if (!net) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "status", st);
		print_json(o);
		return 2;
	}
	desc = xpc_dictionary_create_empty();
	iface =
	    vmnet_interface_start_with_network(net, desc, q, ^(vmnet_return_t s, xpc_object_t p) {
		    result = s;
		    if (p)
			    param = to_json(p);
		    dispatch_semaphore_signal(done);
	    });
	xpc_release(desc);
	/* The interface retains the network. */
	CFRelease(net);
	if (!iface ||
	    dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT)) ||
	    result != VMNET_SUCCESS) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "status", result);
		print_json(o);
		return 2;
	}
	print_json(cJSON_DetachItemFromObject(param, "d"));
	cJSON_Delete(param);
	read_until(NULL);
	st = vmnet_stop_interface(iface, q, ^(vmnet_return_t s) {
		result = s;
		dispatch_semaphore_signal(done);
	});
	if (st == VMNET_SUCCESS)
		dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "stop", st == VMNET_SUCCESS ? result : st);
	print_json(o);
	return 0;
}

/* Wait for a completion handler's status; VMNET_FAILURE after the timeout. */
static vmnet_return_t
wait_status(dispatch_semaphore_t done, const vmnet_return_t *status)
{
	if (dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT)))
		return VMNET_FAILURE;
	return *status;
}

/* Get the rules of @family: their count (-1 for NULL) and the first one's details. */
static void
get_rules(interface_ref iface, uint8_t family, cJSON *o, const char *name)
{
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block xpc_object_t got = NULL;
	__block bool called = false;
	char key[64], addr[INET6_ADDRSTRLEN];
	uint8_t proto = 0, buf[16];
	uint16_t ext = 0, in = 0;
	vmnet_return_t st;

	st = vmnet_interface_get_ip_port_forwarding_rules(iface, family, ^(xpc_object_t rules) {
		called = true;
		got = rules ? xpc_retain(rules) : NULL;
		dispatch_semaphore_signal(done);
	});
	if (st == VMNET_SUCCESS)
		dispatch_semaphore_wait(done, dispatch_time(DISPATCH_TIME_NOW, PROBE_TIMEOUT));
	snprintf(key, sizeof(key), "%s_count", name);
	cJSON_AddNumberToObject(o, key, !called ? -2 : got ? (double)xpc_array_get_count(got) : -1);
	if (!got)
		return;
	snprintf(key, sizeof(key), "%s_details", name);
	st = vmnet_ip_port_forwarding_rule_get_details(xpc_array_get_value(got, 0), &proto, &ext,
	                                               family, buf, &in);
	cJSON_AddNumberToObject(o, key, st);
	if (st == VMNET_SUCCESS) {
		snprintf(key, sizeof(key), "%s_rule", name);
		inet_ntop(family, buf, addr, sizeof(addr));
		cJSON_AddItemToObject(
		    o, key,
		    cJSON_CreateStringArray(
		        (const char *[]){proto == IPPROTO_TCP ? "tcp" : "udp", addr}, 2));
		snprintf(key, sizeof(key), "%s_ports", name);
		cJSON_AddItemToObject(o, key, cJSON_CreateIntArray((const int[]){ext, in}, 2));
	}
	snprintf(key, sizeof(key), "%s_wrong_family", name);
	cJSON_AddNumberToObject(o, key,
	                        vmnet_ip_port_forwarding_rule_get_details(
	                            xpc_array_get_value(got, 0), &proto, &ext,
	                            family == AF_INET ? AF_INET6 : AF_INET, buf, &in));
	xpc_release(got);
}

static int
cmd_rules(void)
{
	dispatch_queue_t q = dispatch_queue_create("netprobe", DISPATCH_QUEUE_SERIAL);
	dispatch_semaphore_t done = dispatch_semaphore_create(0);
	__block vmnet_return_t result = VMNET_FAILURE;
	vmnet_network_configuration_ref c;
	vmnet_network_ref net;
	interface_ref iface;
	struct in_addr sub, mask, guest;
	vmnet_return_t st;
	xpc_object_t desc;
	cJSON *o;

	c = vmnet_network_configuration_create(VMNET_SHARED_MODE, &st);
	inet_pton(AF_INET, "192.168.72.0", &sub);
	inet_pton(AF_INET, "255.255.255.0", &mask);
	inet_pton(AF_INET, "192.168.72.5", &guest);
	vmnet_network_configuration_set_ipv4_subnet(c, &sub, &mask);
	net = vmnet_network_create(c, &st);
	CFRelease(c);
	if (!net)
		return 2;
	desc = xpc_dictionary_create_empty();
	iface =
	    vmnet_interface_start_with_network(net, desc, q, ^(vmnet_return_t s, xpc_object_t p) {
		    (void)p;
		    result = s;
		    dispatch_semaphore_signal(done);
	    });
	xpc_release(desc);
	CFRelease(net);
	if (!iface || wait_status(done, &result) != VMNET_SUCCESS)
		return 2;

	o = cJSON_CreateObject();
	vmnet_interface_completion_handler_t handler = ^(vmnet_return_t s) {
		result = s;
		dispatch_semaphore_signal(done);
	};
	st = vmnet_interface_add_ip_port_forwarding_rule(iface, IPPROTO_TCP, 8081, AF_INET, &guest,
	                                                 80, handler);
	cJSON_AddNumberToObject(o, "add", st);
	cJSON_AddNumberToObject(o, "add_handler",
	                        st == VMNET_SUCCESS ? wait_status(done, &result) : 0);
	cJSON_AddNumberToObject(o, "add_duplicate",
	                        vmnet_interface_add_ip_port_forwarding_rule(
	                            iface, IPPROTO_TCP, 8081, AF_INET, &guest, 81, NULL));
	cJSON_AddNumberToObject(o, "add_bad_protocol",
	                        vmnet_interface_add_ip_port_forwarding_rule(
	                            iface, IPPROTO_ICMP, 8082, AF_INET, &guest, 80, NULL));
	cJSON_AddNumberToObject(o, "add_bad_family",
	                        vmnet_interface_add_ip_port_forwarding_rule(
	                            iface, IPPROTO_TCP, 8082, AF_UNIX, &guest, 80, NULL));
	cJSON_AddNumberToObject(o, "add_port_zero",
	                        vmnet_interface_add_ip_port_forwarding_rule(
	                            iface, IPPROTO_TCP, 0, AF_INET, &guest, 80, NULL));
	cJSON_AddNumberToObject(o, "add_null_interface",
	                        vmnet_interface_add_ip_port_forwarding_rule(
	                            NULL, IPPROTO_TCP, 8082, AF_INET, &guest, 80, NULL));
	get_rules(iface, AF_INET, o, "v4");
	get_rules(iface, AF_INET6, o, "v6");
	st = vmnet_interface_remove_ip_port_forwarding_rule(iface, IPPROTO_TCP, 8081, AF_INET,
	                                                    handler);
	cJSON_AddNumberToObject(o, "remove", st);
	cJSON_AddNumberToObject(o, "remove_handler",
	                        st == VMNET_SUCCESS ? wait_status(done, &result) : 0);
	cJSON_AddNumberToObject(o, "remove_again",
	                        vmnet_interface_remove_ip_port_forwarding_rule(
	                            iface, IPPROTO_TCP, 8081, AF_INET, NULL));
	get_rules(iface, AF_INET, o, "after_remove");
	/* Leave one rule, for the test to see it go with the interface. */
	st = vmnet_interface_add_ip_port_forwarding_rule(iface, IPPROTO_UDP, 5353, AF_INET, &guest,
	                                                 53, handler);
	cJSON_AddNumberToObject(o, "add_udp",
	                        st == VMNET_SUCCESS ? wait_status(done, &result) : st);
	print_json(o);
	read_until(NULL);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc >= 2 && strcmp(argv[1], "errors") == 0)
		return cmd_errors();
	if (argc >= 2 && strcmp(argv[argc - 1], "hold") == 0)
		return cmd_hold(argc - 2, argv + 1);
	if (argc == 3 && strcmp(argv[1], "join") == 0)
		return cmd_join(argv[2]);
	if (argc == 2 && strcmp(argv[1], "rules") == 0)
		return cmd_rules();
	fprintf(stderr, "usage: vmnet-netprobe errors | [--host] [--subnet A --mask M] [--mtu N] "
	                "hold | join SERIALIZATION | rules\n");
	return 1;
}
