/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CoreFoundation.h - the two CoreFoundation calls vmnet's macOS 26 objects
 * need: CFRetain() and CFRelease().
 *
 * vmnet_network_ref and vmnet_network_configuration_ref are CoreFoundation
 * objects on macOS (Apple's header: "Use CFRelease() to release"). Used
 * where the real SDK is absent: in the macOS cross build (zig bundles no
 * CoreFoundation; the calls link against CoreFoundation.framework through
 * scripts/macos/CoreFoundation.framework/CoreFoundation.tbd) and on Linux,
 * where src/linux/cf.c implements them for the Linux platform's own objects
 * only (every object the platform hands out as a CFTypeRef starts with a
 * common header; passing anything else is undefined, as on macOS).
 */
#ifndef COREFOUNDATION_COREFOUNDATION_H
#define COREFOUNDATION_COREFOUNDATION_H

#ifdef __cplusplus
extern "C" {
#endif

typedef const void *CFTypeRef;

/* The ownership annotation means something only to Apple's analyzer. */
#ifndef CF_RETURNS_RETAINED
#if defined(__APPLE__)
#define CF_RETURNS_RETAINED __attribute__((cf_returns_retained))
#else
#define CF_RETURNS_RETAINED
#endif
#endif

/* +1 on @cf; returns @cf. @cf must not be NULL. */
CFTypeRef CFRetain(CFTypeRef cf);
/* -1 on @cf; the last release frees it. @cf must not be NULL. */
void CFRelease(CFTypeRef cf);

#ifdef __cplusplus
}
#endif

#endif /* COREFOUNDATION_COREFOUNDATION_H */
