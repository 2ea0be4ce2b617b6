// SPDX-License-Identifier: Apache-2.0
/*
 * netsvc_refs.c - reference counting of the network service's networks
 * per client (see netsvc_refs.h). Both lists are small arrays: a service
 * has a few networks and some dozens of clients.
 */
#include "netsvc_refs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, (n + 1) * size);

	if (q == NULL) {
		fputs("vmnet-helper: out of memory\n", stderr);
		abort();
	}
	return q;
}

void
netsvc_refs_init(struct netsvc_refs *r, uint64_t delay_ms, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	r->delay_ms = delay_ms;
	r->idle_since = now;
}

void
netsvc_refs_fini(struct netsvc_refs *r)
{
	free(r->refs);
	free(r->holds);
	memset(r, 0, sizeof(*r));
}

static struct netsvc_ref *
find_ref(struct netsvc_refs *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nrefs; i++) {
		if (strcmp(r->refs[i].name, name) == 0)
			return &r->refs[i];
	}
	return NULL;
}

static bool
holds(const struct netsvc_refs *r, const void *client, size_t ref)
{
	size_t i;

	for (i = 0; i < r->nholds; i++) {
		if (r->holds[i].client == client && r->holds[i].ref == ref)
			return true;
	}
	return false;
}

struct netsvc_ref *
netsvc_refs_acquire(struct netsvc_refs *r, const void *client, const char *name)
{
	struct netsvc_ref *ref = find_ref(r, name);
	size_t idx;

	if (ref == NULL) {
		r->refs = grow(r->refs, r->nrefs, sizeof(*r->refs));
		ref = &r->refs[r->nrefs++];
		memset(ref, 0, sizeof(*ref));
		snprintf(ref->name, sizeof(ref->name), "%s", name);
	}
	idx = (size_t)(ref - r->refs);
	if (!holds(r, client, idx)) {
		r->holds = grow(r->holds, r->nholds, sizeof(*r->holds));
		r->holds[r->nholds++] = (struct netsvc_hold){client, idx};
		ref->users++;
	}
	return ref;
}

/* Remove hold @i; start the release delay of its network when it was the last. */
static void
drop_hold(struct netsvc_refs *r, size_t i, uint64_t now)
{
	struct netsvc_ref *ref = &r->refs[r->holds[i].ref];

	if (--ref->users == 0)
		ref->release_at = now + r->delay_ms;
	r->holds[i] = r->holds[--r->nholds];
}

/* Remove entry @i of refs, keeping the holds' indexes right. */
static void
remove_ref(struct netsvc_refs *r, size_t i, uint64_t now)
{
	size_t last = r->nrefs - 1, h;

	r->refs[i] = r->refs[last];
	for (h = 0; h < r->nholds; h++) {
		if (r->holds[h].ref == last)
			r->holds[h].ref = i;
	}
	r->nrefs--;
	if (netsvc_refs_idle(r))
		r->idle_since = now;
}

void
netsvc_refs_abort(struct netsvc_refs *r, const void *client, const char *name, uint64_t now)
{
	struct netsvc_ref *ref = find_ref(r, name);
	size_t i, idx;

	if (ref == NULL)
		return;
	idx = (size_t)(ref - r->refs);
	for (i = 0; i < r->nholds; i++) {
		if (r->holds[i].client == client && r->holds[i].ref == idx) {
			drop_hold(r, i, now);
			break;
		}
	}
	if (ref->users == 0 && ref->network == NULL)
		remove_ref(r, idx, now);
}

size_t
netsvc_refs_leave(struct netsvc_refs *r, const void *client, uint64_t now)
{
	size_t i = 0, n = 0;

	while (i < r->nholds) {
		if (r->holds[i].client == client) {
			drop_hold(r, i, now);
			n++;
		} else {
			i++;
		}
	}
	if (netsvc_refs_idle(r))
		r->idle_since = now;
	return n;
}

void *
netsvc_refs_take_expired(struct netsvc_refs *r, uint64_t now, char name[NETSVC_NAME_MAX + 1])
{
	void *network;
	size_t i;

	for (i = 0; i < r->nrefs; i++) {
		if (r->refs[i].users == 0 && r->refs[i].release_at <= now) {
			network = r->refs[i].network;
			snprintf(name, NETSVC_NAME_MAX + 1, "%s", r->refs[i].name);
			remove_ref(r, i, now);
			if (network)
				return network;
			i--; /* an entry without network: nothing to return, look on */
		}
	}
	return NULL;
}

bool
netsvc_refs_idle(const struct netsvc_refs *r)
{
	return r->nrefs == 0 && r->nholds == 0;
}
