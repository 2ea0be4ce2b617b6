// SPDX-License-Identifier: Apache-2.0
/*
 * client_info.c - export the helper's JSON line to the environment, save
 * it to a file.
 */
#include "client_info.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENV_PREFIX "VMNET_"
#define KEY_PREFIX "vmnet_"

int
client_info_env_name(const char *key, char *buf, size_t size)
{
	size_t len;
	size_t n;

	if (strncmp(key, KEY_PREFIX, strlen(KEY_PREFIX)) == 0)
		key += strlen(KEY_PREFIX);
	len = strlen(key);
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			errno = EINVAL;
			return -1;
		}
	}
	n = strlen(ENV_PREFIX);
	if (n + len + 1 > size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, ENV_PREFIX, n);
	for (size_t i = 0; i <= len; i++)
		buf[n + i] = (key[i] >= 'a' && key[i] <= 'z') ? (char)(key[i] - 'a' + 'A') : key[i];
	return 0;
}

/* Text of a scalar JSON value; false for values we do not export. */
static bool
value_text(const cJSON *item, char *buf, size_t size)
{
	if (cJSON_IsString(item)) {
		snprintf(buf, size, "%s", item->valuestring);
	} else if (cJSON_IsBool(item)) {
		snprintf(buf, size, "%s", cJSON_IsTrue(item) ? "true" : "false");
	} else if (cJSON_IsNumber(item)) {
		double v = item->valuedouble;

		/* Integers (all vmnet values) print without a fraction. */
		if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(long long)v)
			snprintf(buf, size, "%lld", (long long)v);
		else
			snprintf(buf, size, "%.17g", v);
	} else {
		return false;
	}
	return true;
}

int
client_info_export(const char *line)
{
	cJSON *root = cJSON_Parse(line);
	const cJSON *item;
	int count = 0;
	int err = 0;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		errno = EINVAL;
		return -1;
	}
	if (setenv(CLIENT_INFO_JSON_VAR, line, 1) < 0)
		err = errno;
	cJSON_ArrayForEach(item, root)
	{
		char name[128];
		char value[1024];

		if (err != 0)
			break;
		if (item->string == NULL || !value_text(item, value, sizeof(value)))
			continue;
		if (client_info_env_name(item->string, name, sizeof(name)) < 0)
			continue;
		if (setenv(name, value, 1) < 0)
			err = errno;
		else
			count++;
	}
	cJSON_Delete(root);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return count;
}

int
client_info_get_u64(const char *line, const char *key, uint64_t *value)
{
	cJSON *root = cJSON_Parse(line);
	const cJSON *item;
	int rc = -1;

	if (!cJSON_IsObject(root)) {
		errno = EINVAL;
	} else {
		item = cJSON_GetObjectItemCaseSensitive(root, key);
		errno = ENOENT;
		/* 2^64 as a double: the first value that does not fit. */
		if (cJSON_IsNumber(item) && item->valuedouble >= 0 &&
		    item->valuedouble < 18446744073709551616.0 &&
		    item->valuedouble == (double)(uint64_t)item->valuedouble) {
			*value = (uint64_t)item->valuedouble;
			rc = 0;
		}
	}
	cJSON_Delete(root);
	return rc;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
client_info_write_file(const char *path, const char *line)
{
	char tmp[PATH_MAX];
	size_t len = strlen(line);
	int fd;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) < 0 || write_all(fd, line, len) < 0 || write_all(fd, "\n", 1) < 0 ||
	    fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}
