/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netsvc_refs.h - who uses which network of the network service, and when
 * a network is to be released.
 *
 * A client (a connection, named by an opaque key) holds a network once,
 * however often it acquires it; leaving (or dying) drops all it holds. A
 * network nobody holds is released a delay after its last client left,
 * unless a client acquires it again first. The service is idle when it has
 * neither networks nor clients. Times are milliseconds on any monotonic
 * clock, given by the caller, so the logic is testable without waiting.
 */
#ifndef NETSVC_REFS_H
#define NETSVC_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netsvc_config.h"

struct netsvc_ref {
	char name[NETSVC_NAME_MAX + 1];
	void *network;       /* the caller's object, NULL until created */
	unsigned users;      /* clients holding it */
	uint64_t release_at; /* when users is 0: release time */
};

struct netsvc_hold {
	const void *client;
	size_t ref; /* index in refs */
};

struct netsvc_refs {
	uint64_t delay_ms;
	struct netsvc_ref *refs;
	size_t nrefs;
	struct netsvc_hold *holds;
	size_t nholds;
	uint64_t idle_since; /* when it last became idle */
};

void netsvc_refs_init(struct netsvc_refs *r, uint64_t delay_ms, uint64_t now);
void netsvc_refs_fini(struct netsvc_refs *r);

/*
 * netsvc_refs_acquire() - @client uses network @name from now on
 *
 * Return: its entry; the caller creates the network and sets ->network if
 * it is NULL, or calls netsvc_refs_abort() if it cannot.
 */
struct netsvc_ref *netsvc_refs_acquire(struct netsvc_refs *r, const void *client, const char *name);

/* Undo an acquire whose network could not be created. */
void netsvc_refs_abort(struct netsvc_refs *r, const void *client, const char *name, uint64_t now);

/* @client is gone. Return: how many networks it held. */
size_t netsvc_refs_leave(struct netsvc_refs *r, const void *client, uint64_t now);

/*
 * netsvc_refs_take_expired() - remove a network whose release time came
 * @name:	set to its name
 *
 * Return: its ->network (call again until NULL), or NULL.
 */
void *netsvc_refs_take_expired(struct netsvc_refs *r, uint64_t now, char name[NETSVC_NAME_MAX + 1]);

/* Return: whether there are neither networks nor clients. */
bool netsvc_refs_idle(const struct netsvc_refs *r);

#endif /* NETSVC_REFS_H */
