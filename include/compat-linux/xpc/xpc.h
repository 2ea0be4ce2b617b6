/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xpc.h - the subset of Apple's XPC object API that vmnet uses, for Linux.
 *
 * Implemented by src/linux/xpc_object.c, xpc_container.c and
 * xpc_describe.c (objects), xpc_wire.c (their encoding on a socket) and
 * xpc_connection.c, xpc_service.c and xpc_message.c (connections to named
 * services over unix sockets). Objects are reference counted; creators return a +1 reference,
 * getters borrow. Signatures and semantics follow macOS; see
 * shared/reference/vmnet-api.md section 4.1 and docs/linux-platform.md.
 */
#ifndef XPC_XPC_H
#define XPC_XPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <dispatch/dispatch.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _UUID_T
#define _UUID_T
typedef unsigned char uuid_t[16];
#endif

typedef void *xpc_object_t;
typedef const struct _xpc_type_s *xpc_type_t;
typedef struct _xpc_connection_s *xpc_connection_t;
typedef void (^xpc_handler_t)(xpc_object_t object);

extern const struct _xpc_type_s _xpc_type_array;
extern const struct _xpc_type_s _xpc_type_bool;
extern const struct _xpc_type_s _xpc_type_dictionary;
extern const struct _xpc_type_s _xpc_type_int64;
extern const struct _xpc_type_s _xpc_type_string;
extern const struct _xpc_type_s _xpc_type_uint64;
extern const struct _xpc_type_s _xpc_type_uuid;
extern const struct _xpc_type_s _xpc_type_data;
extern const struct _xpc_type_s _xpc_type_error;
extern const struct _xpc_type_s _xpc_type_connection;

#define XPC_TYPE_ARRAY      (&_xpc_type_array)
#define XPC_TYPE_BOOL       (&_xpc_type_bool)
#define XPC_TYPE_DICTIONARY (&_xpc_type_dictionary)
#define XPC_TYPE_INT64      (&_xpc_type_int64)
#define XPC_TYPE_STRING     (&_xpc_type_string)
#define XPC_TYPE_UINT64     (&_xpc_type_uint64)
#define XPC_TYPE_UUID       (&_xpc_type_uuid)
#define XPC_TYPE_DATA       (&_xpc_type_data)
#define XPC_TYPE_ERROR      (&_xpc_type_error)
#define XPC_TYPE_CONNECTION (&_xpc_type_connection)

/* The well-known errors a connection delivers; compare with ==. */
struct _xpc_dictionary_s;
extern struct _xpc_dictionary_s _xpc_error_connection_interrupted;
extern struct _xpc_dictionary_s _xpc_error_connection_invalid;
extern struct _xpc_dictionary_s _xpc_error_peer_code_signing_requirement;
#define XPC_ERROR_CONNECTION_INTERRUPTED ((xpc_object_t)&_xpc_error_connection_interrupted)
#define XPC_ERROR_CONNECTION_INVALID     ((xpc_object_t)&_xpc_error_connection_invalid)
#define XPC_ERROR_PEER_CODE_SIGNING_REQUIREMENT                                                    \
	((xpc_object_t)&_xpc_error_peer_code_signing_requirement)
extern const char *const _xpc_error_key_description;
#define XPC_ERROR_KEY_DESCRIPTION _xpc_error_key_description

#define XPC_CONNECTION_MACH_SERVICE_LISTENER   (1 << 0)
#define XPC_CONNECTION_MACH_SERVICE_PRIVILEGED (1 << 1)

#define XPC_ARRAY_APPEND ((size_t)(-1))

typedef bool (^xpc_dictionary_applier_t)(const char *key, xpc_object_t value);
typedef bool (^xpc_array_applier_t)(size_t index, xpc_object_t value);

xpc_object_t xpc_retain(xpc_object_t object);
void xpc_release(xpc_object_t object);
xpc_type_t xpc_get_type(xpc_object_t object);
char *xpc_copy_description(xpc_object_t object);
bool xpc_equal(xpc_object_t object1, xpc_object_t object2);

xpc_object_t xpc_bool_create(bool value);
bool xpc_bool_get_value(xpc_object_t xbool);
xpc_object_t xpc_int64_create(int64_t value);
int64_t xpc_int64_get_value(xpc_object_t xint);
xpc_object_t xpc_uint64_create(uint64_t value);
uint64_t xpc_uint64_get_value(xpc_object_t xuint);
xpc_object_t xpc_string_create(const char *string);
const char *xpc_string_get_string_ptr(xpc_object_t xstring);
size_t xpc_string_get_length(xpc_object_t xstring);
xpc_object_t xpc_uuid_create(const uuid_t uuid);
const uint8_t *xpc_uuid_get_bytes(xpc_object_t xuuid);
xpc_object_t xpc_data_create(const void *bytes, size_t length);
size_t xpc_data_get_length(xpc_object_t xdata);
const void *xpc_data_get_bytes_ptr(xpc_object_t xdata);
size_t xpc_data_get_bytes(xpc_object_t xdata, void *buffer, size_t offset, size_t length);

xpc_object_t xpc_array_create(const xpc_object_t *objects, size_t count);
xpc_object_t xpc_array_create_empty(void);
size_t xpc_array_get_count(xpc_object_t xarray);
xpc_object_t xpc_array_get_value(xpc_object_t xarray, size_t index);
void xpc_array_set_value(xpc_object_t xarray, size_t index, xpc_object_t value);
void xpc_array_append_value(xpc_object_t xarray, xpc_object_t value);
const char *xpc_array_get_string(xpc_object_t xarray, size_t index);
void xpc_array_set_string(xpc_object_t xarray, size_t index, const char *string);
bool xpc_array_apply(xpc_object_t xarray, xpc_array_applier_t applier);

xpc_object_t xpc_dictionary_create(const char *const *keys, const xpc_object_t *values,
                                   size_t count);
xpc_object_t xpc_dictionary_create_empty(void);
size_t xpc_dictionary_get_count(xpc_object_t xdict);
xpc_object_t xpc_dictionary_get_value(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_value(xpc_object_t xdict, const char *key, xpc_object_t value);
bool xpc_dictionary_apply(xpc_object_t xdict, xpc_dictionary_applier_t applier);
bool xpc_dictionary_get_bool(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_bool(xpc_object_t xdict, const char *key, bool value);
int64_t xpc_dictionary_get_int64(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_int64(xpc_object_t xdict, const char *key, int64_t value);
uint64_t xpc_dictionary_get_uint64(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_uint64(xpc_object_t xdict, const char *key, uint64_t value);
const char *xpc_dictionary_get_string(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_string(xpc_object_t xdict, const char *key, const char *string);
const uint8_t *xpc_dictionary_get_uuid(xpc_object_t xdict, const char *key);
void xpc_dictionary_set_uuid(xpc_object_t xdict, const char *key, const uuid_t uuid);
const void *xpc_dictionary_get_data(xpc_object_t xdict, const char *key, size_t *length);
void xpc_dictionary_set_data(xpc_object_t xdict, const char *key, const void *bytes, size_t length);
xpc_object_t xpc_dictionary_create_reply(xpc_object_t original);
xpc_connection_t xpc_dictionary_get_remote_connection(xpc_object_t xdict);

/*
 * Connections (src/linux/xpc_connection.c, xpc_service.c, xpc_message.c).
 * A Mach service name is a unix stream socket in the per-user service
 * directory (docs/linux-xpc.md); a listener binds it, a client connects to
 * it.
 */
xpc_connection_t xpc_connection_create_mach_service(const char *name, dispatch_queue_t targetq,
                                                    uint64_t flags);
void xpc_connection_set_target_queue(xpc_connection_t connection, dispatch_queue_t targetq);
void xpc_connection_set_event_handler(xpc_connection_t connection, xpc_handler_t handler);
void xpc_connection_activate(xpc_connection_t connection);
void xpc_connection_resume(xpc_connection_t connection);
void xpc_connection_suspend(xpc_connection_t connection);
void xpc_connection_cancel(xpc_connection_t connection);
void xpc_connection_send_message(xpc_connection_t connection, xpc_object_t message);
void xpc_connection_send_message_with_reply(xpc_connection_t connection, xpc_object_t message,
                                            dispatch_queue_t replyq, xpc_handler_t handler);
xpc_object_t xpc_connection_send_message_with_reply_sync(xpc_connection_t connection,
                                                         xpc_object_t message);
const char *xpc_connection_get_name(xpc_connection_t connection);
uid_t xpc_connection_get_euid(xpc_connection_t connection);
gid_t xpc_connection_get_egid(xpc_connection_t connection);
pid_t xpc_connection_get_pid(xpc_connection_t connection);
void xpc_connection_set_context(xpc_connection_t connection, void *context);
void *xpc_connection_get_context(xpc_connection_t connection);
int xpc_connection_set_peer_code_signing_requirement(xpc_connection_t connection,
                                                     const char *requirement);

#ifdef __cplusplus
}
#endif

#endif /* XPC_XPC_H */
