#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install vmnet-helper and vmnet-client (also as socket_vmnet and vmnet-run,
# the names of the programs they replace), their manual pages, (optionally) the sudoers
# rule and, on macOS, the launch agent of the network service, from a built
# tree or from a release archive. Uninstall
# removes exactly what the manifest says was installed. Plain POSIX sh and
# POSIX tools, so the same script runs on macOS and Linux.
set -eu
set -f # no pathname expansion anywhere: names come from archives and manifests

prog=install.sh
nl='
'
umask 022

usage() {
	cat <<EOF
Usage: $prog [options] [ARCHIVE]
       $prog --uninstall [--prefix DIR] [--dry-run]

Install vmnet-helper and vmnet-client into a root-owned prefix, from
ARCHIVE (vmnet-helper-VERSION.tar.gz), from the release tree holding this
script, or from the build/ directory of a source tree. Run as root.

Options:
  --prefix DIR          install into DIR (default: /opt/vmnet-helper); every
                        directory from / down to DIR must be owned by root
                        and writable by root only
  --sudoers             install the sudoers rule without asking
  --no-sudoers          do not install the sudoers rule
  --sudoers-group GROUP the rule is for members of GROUP (default: staff on
                        macOS, sudo elsewhere)
  --sudoers-user USER   the rule is for USER instead of a group
  --closefrom           install the closefrom_override snippet without asking:
                        callers may pass descriptors (sudo -C) to the helper
  --no-closefrom        do not install the closefrom_override snippet
  --sudoers-dir DIR     install sudoers files into DIR (default:
                        /etc/sudoers.d)
  --serve-stream        also install the socket_vmnet-compatible daemon as a
                        service (launchd on macOS, systemd elsewhere), not
                        started; off by default
  --serve-socket PATH   its socket (default: /var/run/socket_vmnet)
  --service-type TYPE   launchd or systemd (default: by the system)
  --service-dir DIR     install the service file into DIR (default:
                        /Library/LaunchDaemons or /etc/systemd/system)
  --launch-agents-dir DIR
                        install the network service's launch agent into DIR
                        (default: /Library/LaunchAgents on macOS; none
                        elsewhere)
  --uninstall           remove what a previous run installed into the prefix
  -n, --dry-run         print what would change, change nothing
  -h, --help            show this help and exit

Without --sudoers or --no-sudoers the script asks, and skips the rule when
standard input is not a terminal; the same for the closefrom_override
snippet (--closefrom, --no-closefrom), asked only when the rule is
installed. Running it again with the same input changes nothing.
EOF
}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

say() {
	printf '%s\n' "$*"
}

need_arg() {
	[ "$2" -ge 2 ] || die "$1 needs an argument (see --help)"
}

prefix=/opt/vmnet-helper
sudoers_dir=/etc/sudoers.d
sudoers=ask
closefrom=ask
serve=no
serve_socket=/var/run/socket_vmnet
service_type=
service_dir=
group=
user=
dry_run=no
action=install
archive=
agents_dir=
[ "$(uname -s)" != Darwin ] || agents_dir=/Library/LaunchAgents

while [ $# -gt 0 ]; do
	case $1 in
	--prefix)
		need_arg "$1" $#
		prefix=$2
		shift
		;;
	--prefix=*) prefix=${1#*=} ;;
	--sudoers) sudoers=yes ;;
	--no-sudoers) sudoers=no ;;
	--sudoers-group)
		need_arg "$1" $#
		group=$2
		shift
		;;
	--sudoers-group=*) group=${1#*=} ;;
	--sudoers-user)
		need_arg "$1" $#
		user=$2
		shift
		;;
	--sudoers-user=*) user=${1#*=} ;;
	--sudoers-dir)
		need_arg "$1" $#
		sudoers_dir=$2
		shift
		;;
	--sudoers-dir=*) sudoers_dir=${1#*=} ;;
	--serve-stream) serve=yes ;;
	--serve-socket)
		need_arg "$1" $#
		serve_socket=$2
		shift
		;;
	--serve-socket=*) serve_socket=${1#*=} ;;
	--service-type)
		need_arg "$1" $#
		service_type=$2
		shift
		;;
	--service-type=*) service_type=${1#*=} ;;
	--service-dir)
		need_arg "$1" $#
		service_dir=$2
		shift
		;;
	--service-dir=*) service_dir=${1#*=} ;;
	--launch-agents-dir)
		need_arg "$1" $#
		agents_dir=$2
		shift
		;;
	--launch-agents-dir=*) agents_dir=${1#*=} ;;
	--closefrom) closefrom=yes ;;
	--no-closefrom) closefrom=no ;;
	--uninstall) action=uninstall ;;
	-n | --dry-run) dry_run=yes ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option '$1' (see --help)" ;;
	*)
		[ -z "$archive" ] || die "only one archive may be given"
		archive=$1
		;;
	esac
	shift
done

# Paths end up in a sudoers rule and in the manifest: allow only characters
# that need no quoting in either, and no "." or ".." components.
check_abs_path() {
	case $2 in
	/*) ;;
	*) die "$1 must be an absolute path: '$2'" ;;
	esac
	case $2 in
	*[!A-Za-z0-9._/+-]*) die "$1 may hold only letters, digits and ._/+-: '$2'" ;;
	esac
	case $2/ in
	*//* | */./* | */../*) die "$1 must be a plain path without //, . or ..: '$2'" ;;
	esac
}

check_name() {
	case $2 in
	"" | [!A-Za-z_]* | *[!A-Za-z0-9._-]*)
		die "$1 must start with a letter or _ and hold only letters, digits and ._-: '$2'"
		;;
	esac
}

while [ "$prefix" != / ] && [ "${prefix%/}" != "$prefix" ]; do
	prefix=${prefix%/}
done
check_abs_path --prefix "$prefix"
[ "$prefix" != / ] || die "--prefix must not be /"
check_abs_path --sudoers-dir "$sudoers_dir"
check_abs_path --serve-socket "$serve_socket"
if [ -z "$service_type" ]; then
	if [ "$(uname -s)" = Darwin ]; then service_type=launchd; else service_type=systemd; fi
fi
case $service_type in
launchd)
	service_dir=${service_dir:-/Library/LaunchDaemons}
	service_file=$service_dir/io.github.vmnet-helper.serve-stream.plist
	;;
systemd)
	service_dir=${service_dir:-/etc/systemd/system}
	service_file=$service_dir/vmnet-helper-serve-stream.service
	;;
*) die "--service-type must be launchd or systemd: '$service_type'" ;;
esac
check_abs_path --service-dir "$service_dir"
[ -z "$agents_dir" ] || check_abs_path --launch-agents-dir "$agents_dir"
[ -z "$group" ] || [ -z "$user" ] || die "--sudoers-group and --sudoers-user exclude each other"
[ -z "$group" ] || check_name --sudoers-group "$group"
[ -z "$user" ] || check_name --sudoers-user "$user"
if [ "$action" = uninstall ] && [ -n "$archive" ]; then
	die "--uninstall takes no archive"
fi

docdir=$prefix/share/doc/vmnet-helper
manifest=$docdir/MANIFEST
helper=$prefix/bin/vmnet-helper
template_helper=/opt/vmnet-helper/bin/vmnet-helper
agent_label=io.github.vmnet-helper.networks
# Earlier installs named the agent in the predecessor's namespace; uninstall removes it too.
old_agent_label=com.github.nirs.vmnet-helper.networks
agent_template=share/doc/vmnet-helper/launchd/$agent_label.plist

if [ "$dry_run" = no ] && [ "$(id -u)" -ne 0 ]; then
	die "must run as root (sudo $0 ...), or use --dry-run"
fi

# Temporary files: a scratch directory, and sudoers files rendered next to
# their destination. Removed on every exit.
scratch=
pending=
cleanup() {
	[ -z "$scratch" ] || rm -rf "$scratch"
	for f in $pending; do
		rm -f "$f"
	done
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Set p_mode, p_uid and p_gid for a path (not following a final symlink).
# ls -n is the portable way to read them (stat differs between systems).
stat_path() {
	# shellcheck disable=SC2012
	read -r p_mode _ p_uid p_gid _ <<EOF
$(ls -ldn -- "$1")
EOF
}

# Refuse a directory a non-root user could change: it must be owned by uid
# 0, not writable by others, and writable by its group only if that group
# is gid 0. An access control list could grant more, so refuse that too.
check_dir() {
	stat_path "$1"
	[ "$p_uid" -eq 0 ] || die "$1 is owned by uid $p_uid, not root: refusing to install there"
	case $p_mode in
	????????w*) die "$1 is writable by every user: refusing to install there" ;;
	?????w*) [ "$p_gid" -eq 0 ] ||
		die "$1 is writable by group $p_gid: refusing to install there" ;;
	esac
	case $p_mode in
	*+) die "$1 has an access control list: refusing to install there" ;;
	esac
}

# Check every directory that is traversed to reach $1, following symlinks
# component by component (readlink), so that no directory a user controls
# can redirect the path. Components that do not exist yet are left for the
# caller to create.
check_path() {
	cur=
	rest=${1#/}
	hops=0
	check_dir /
	while [ -n "$rest" ]; do
		comp=${rest%%/*}
		case $rest in
		*/*) rest=${rest#*/} ;;
		*) rest= ;;
		esac
		case $comp in
		"" | .) continue ;;
		..)
			cur=${cur%/*}
			continue
			;;
		esac
		next=$cur/$comp
		if [ -L "$next" ]; then
			hops=$((hops + 1))
			[ "$hops" -le 32 ] || die "$1: too many symbolic links"
			target=$(readlink "$next")
			case $target in
			/*) cur= ;;
			esac
			rest=${target#/}${rest:+/$rest}
			continue
		fi
		[ -e "$next" ] || return 0
		[ -d "$next" ] || die "$next is not a directory"
		check_dir "$next"
		cur=$next
	done
}

# Source files, by their path in the release layout.
files="bin/vmnet-helper bin/vmnet-client bin/vmnet-run bin/socket_vmnet
share/man/man8/vmnet-helper.8 share/man/man1/vmnet-client.1
share/doc/vmnet-helper/sudoers.d/vmnet-helper
share/doc/vmnet-helper/sudoers.d/vmnet-helper-closefrom
share/doc/vmnet-helper/sudoers.d/README.md"
# Installed when the source has them: the release carries the licences
# (cJSON's too, as it is linked into the programs) and the README.
optional="share/doc/vmnet-helper/LICENSE share/doc/vmnet-helper/LICENSE.cJSON
share/doc/vmnet-helper/README.md"
dirs="bin share share/man share/man/man1 share/man/man8 share/doc
share/doc/vmnet-helper share/doc/vmnet-helper/sudoers.d"

# Where a release-layout path comes from in a built source tree.
build_path() {
	case $1 in
	bin/*) echo "build/${1#bin/}" ;;
	share/man/man?/*) echo "docs/man/${1##*/}" ;;
	share/doc/vmnet-helper/sudoers.d/*) echo "sudoers.d/${1##*/}" ;;
	share/doc/vmnet-helper/LICENSE | share/doc/vmnet-helper/README.md) echo "${1##*/}" ;;
	share/doc/vmnet-helper/launchd/*) echo "scripts/macos/launchd/${1##*/}" ;;
	esac
}

# An archive is listed first: every member must stay inside one top
# directory vmnet-helper-*; then it is unpacked into the scratch directory.
unpack() {
	[ -f "$1" ] || die "$1: no such archive"
	top=
	tar -tzf "$1" >"$scratch/list" || die "$1: cannot read the archive"
	while IFS= read -r name; do
		case $name in
		/* | .. | ../* | */../* | */..) die "$1: unsafe member '$name'" ;;
		esac
		first=${name%%/*}
		[ -z "$top" ] || [ "$first" = "$top" ] ||
			die "$1: more than one top directory ($top, $first)"
		top=$first
	done <"$scratch/list"
	case $top in
	vmnet-helper-?*) ;;
	*) die "$1: expected a top directory vmnet-helper-VERSION, found '$top'" ;;
	esac
	tar -xzf "$1" -C "$scratch" || die "$1: cannot unpack"
	root=$scratch/$top
	layout=release
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vmnet-helper-install.XXXXXX")
here=$(cd -P "$(dirname "$0")" && pwd -P)
if [ "$action" = uninstall ]; then
	:
elif [ -n "$archive" ]; then
	unpack "$archive"
elif [ -f "$here/bin/vmnet-helper" ]; then
	root=$here
	layout=release
elif [ -f "$here/build/vmnet-helper" ]; then
	root=$here
	layout=build
else
	die "no build found in $here/build (run make first) and no archive given"
fi

# Set src to the path of a source file; every component must be a real file
# or directory, not a symlink that could point anywhere. A missing file is
# fatal unless "optional" is given. Return: 1 for a missing optional file.
source_of() {
	if [ "$layout" = build ]; then
		s_rel=$(build_path "$1")
	else
		s_rel=$1
	fi
	src=$root
	for comp in $(echo "$s_rel" | tr / ' '); do
		src=$src/$comp
		[ ! -L "$src" ] || die "$src: is a symbolic link"
	done
	[ -n "$s_rel" ] && [ -f "$src" ] && return 0
	[ "${2-}" = optional ] && return 1
	die "$src: missing (incomplete build or archive)"
}

# Old manifest lines are kept for what this run does not touch.
old_manifest=
if [ -f "$manifest" ]; then
	check_path "$docdir"
	old_manifest=$(cat "$manifest")
fi

# --- uninstall -------------------------------------------------------------

# Every manifest line must name a file in the prefix or a sudoers file,
# or a directory in, at or above the prefix; checked before anything goes.
check_manifest() {
	while read -r kind a _ c; do
		case $kind in
		file)
			case $c in
			"$prefix"/* | */vmnet-helper | */vmnet-helper-closefrom) ;;
			*/"$agent_label".plist | */"$old_agent_label".plist) ;;
			*/io.github.vmnet-helper.serve-stream.plist | */vmnet-helper-serve-stream.service) ;;
			*) die "$manifest: unexpected file '$c'" ;;
			esac
			;;
		dir)
			case $prefix/ in
			"$a"/*) ;;
			*) case $a in
				"$prefix"/*) ;;
				*) die "$manifest: unexpected directory '$a'" ;;
				esac ;;
			esac
			;;
		esac
	done <<EOF
$old_manifest
EOF
}

# A launch agent about to go is first unloaded for the console user (its
# service exits, releasing its networks); launchctl fails harmlessly when
# it is not loaded.
unload_agent() { # label
	command -v launchctl >/dev/null || return 0
	console_uid=$(stat -f %u /dev/console 2>/dev/null) || return 0
	if [ "$dry_run" = yes ]; then
		say "would run launchctl bootout gui/$console_uid/$1"
	elif launchctl bootout "gui/$console_uid/$1" 2>/dev/null; then
		say "unloaded $1 for uid $console_uid"
	fi
}

# Files go if they still hold what was installed; then the manifest; then
# the directories install.sh created, deepest first, when empty.
uninstall() {
	[ -n "$old_manifest" ] || die "no manifest at $manifest: nothing was installed there by $prog"
	check_manifest
	verb=removed
	[ "$dry_run" = no ] || verb="would remove"
	kept=0
	rdirs=
	while read -r kind a b c; do
		case $kind in
		file)
			case $c in
			*/"$agent_label".plist) unload_agent "$agent_label" ;;
			*/"$old_agent_label".plist) unload_agent "$old_agent_label" ;;
			esac
			if [ ! -e "$c" ] && [ ! -L "$c" ]; then
				say "already gone $c"
			elif [ -f "$c" ] && [ ! -L "$c" ] &&
				[ "$(cksum <"$c")" = "$a $b" ]; then
				[ "$dry_run" = yes ] || rm -f "$c"
				say "$verb $c"
			else
				say "kept $c: changed since it was installed"
				kept=$((kept + 1))
			fi
			;;
		dir) rdirs="$a$nl$rdirs" ;;
		esac
	done <<EOF
$old_manifest
EOF
	[ "$dry_run" = yes ] || rm -f "$manifest"
	say "$verb $manifest"
	for d in $rdirs; do
		[ -d "$d" ] || continue
		if [ "$dry_run" = yes ]; then
			say "would remove $d if empty"
		elif rmdir "$d" 2>/dev/null; then
			say "removed $d"
		else
			say "kept $d: not empty"
		fi
	done
	if [ "$kept" -gt 0 ]; then
		say "vmnet-helper uninstalled from $prefix; $kept changed file(s) kept"
	else
		say "vmnet-helper uninstalled from $prefix"
	fi
}

if [ "$action" = uninstall ]; then
	check_path "$prefix"
	uninstall
	exit 0
fi

# --- install ---------------------------------------------------------------

for rel in $optional; do
	if source_of "$rel" optional; then
		files="$files $rel"
	fi
done
for rel in $files; do
	source_of "$rel"
done

check_path "$prefix"
for d in $dirs; do
	check_path "$prefix/$d"
done

changes=0
new_manifest=
created_dirs=

# Mode strings as ls prints them, with an optional macOS or SELinux marker.
same_mode() {
	stat_path "$2"
	[ "$p_uid $p_gid" = "0 0" ] || return 1
	case $p_mode in
	"$1" | "$1". | "$1"@) return 0 ;;
	esac
	return 1
}

# Count a change and make it, or in a dry run only say what it would be.
change() { # verb past-tense destination command...
	c_verb=$1
	c_done=$2
	c_dest=$3
	shift 3
	changes=$((changes + 1))
	if [ "$dry_run" = yes ]; then
		say "would $c_verb $c_dest"
	else
		"$@"
		say "$c_done $c_dest"
	fi
}

# The content goes into a new temporary file beside the destination (cat,
# not cp: no extended attributes or ACLs are carried over), which then gets
# its owner and mode and replaces the destination in one rename.
put_file() { # src dest mode
	dir=${2%/*}
	tmp=$(mktemp "$dir/.vmnet-helper.XXXXXX")
	pending="$pending $tmp"
	cat "$1" >"$tmp"
	chown 0:0 "$tmp"
	chmod "$3" "$tmp"
	mv -f "$tmp" "$2"
}

install_file() { # src dest mode modestring
	new_manifest="$new_manifest${nl}file $(cksum <"$1") $2"
	[ ! -d "$2" ] || [ -L "$2" ] || die "$2 is a directory"
	if [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2" &&
		same_mode "$4" "$2"; then
		say "unchanged $2"
	else
		change install installed "$2" put_file "$1" "$2" "$3"
	fi
}

root_dir() {
	mkdir -m 0755 "$1"
	chown 0:0 "$1"
}

make_dir() {
	change create created "$1" root_dir "$1"
	created_dirs="$created_dirs${nl}dir $1"
}

# Create what is missing of the prefix, its parents (/opt on a fresh Mac)
# included, and the directories inside it; all are recorded for uninstall.
make_dirs() {
	missing=
	path=$prefix
	while [ ! -e "$path" ] && [ ! -L "$path" ]; do
		missing="$path$nl$missing"
		path=${path%/*}
	done
	for path in $missing; do
		make_dir "$path"
	done
	for d in $dirs; do
		[ -d "$prefix/$d" ] || make_dir "$prefix/$d"
	done
}

# --- sudoers ---------------------------------------------------------------

if [ -z "$user" ]; then
	if [ -z "$group" ]; then
		if [ "$(uname -s)" = Darwin ]; then
			group=staff
		else
			group=sudo
		fi
	fi
	who=%$group
	whom="members of group $group"
else
	who=$user
	whom="user $user"
fi

rule=$sudoers_dir/vmnet-helper
snippet=$sudoers_dir/vmnet-helper-closefrom

# Render a template for the prefix and the user or group; fail if the
# template does not hold the line we replace.
render() { # template output expected-line
	sed -e "s|^%staff ALL |$who ALL |" \
		-e "/^[^#]/s|$template_helper|$helper|g" "$1" >"$2"
	grep -qxF "$3" "$2" || die "$1: not a vmnet-helper sudoers template"
}

principal_exists() {
	if [ -n "$user" ]; then
		id -u "$user" >/dev/null 2>&1
	elif command -v getent >/dev/null; then
		getent group "$group" >/dev/null
	elif command -v dscl >/dev/null; then
		dscl . -read "/Groups/$group" >/dev/null 2>&1
	fi
}

# Render into a temporary file in the sudoers directory (sudo ignores names
# with a dot), give it the final owner and mode, and validate it with visudo
# before anything is installed. Sets prepared to the temporary file.
prepare_sudoers() { # template dest expected-line
	source_of "$1"
	if [ "$dry_run" = yes ]; then
		tmp=$scratch/${2##*/}
	else
		tmp=$(mktemp "$sudoers_dir/.vmnet-helper.XXXXXX")
		pending="$pending $tmp"
	fi
	render "$src" "$tmp" "$3"
	if [ "$dry_run" = no ]; then
		chown 0:0 "$tmp"
		chmod 0440 "$tmp"
	fi
	if ! out=$(visudo -cf "$tmp" 2>&1); then
		printf '%s\n' "$out" >&2
		die "the rendered sudoers file for $2 is invalid; nothing was installed"
	fi
	prepared=$tmp
}

rule_line="$who ALL = (root) NOPASSWD: NOSETENV: $helper"
snippet_line="Defaults!$helper closefrom_override"
template_dir=share/doc/vmnet-helper/sudoers.d

if [ "$sudoers" != no ] || [ "$closefrom" = yes ]; then
	command -v visudo >/dev/null || die "visudo not found: cannot validate sudoers files"
	[ -d "$sudoers_dir" ] || die "$sudoers_dir: no such directory"
	check_path "$sudoers_dir"
fi

# Installing a rendered file counts as unchanged when the destination holds
# the same bytes with mode 0440 and root ownership.
sudoers_unchanged() { # rendered dest
	[ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2" && same_mode -r--r----- "$2"
}

# Ask a yes/no question on the terminal; set answer to yes or no, or to
# the default for an empty reply.
ask() { # question default
	if [ "$2" = yes ]; then
		printf '%s [Y/n] ' "$1"
	else
		printf '%s [y/N] ' "$1"
	fi
	read -r reply || reply=
	case $reply in
	[yY]*) answer=yes ;;
	[nN]*) answer=no ;;
	*) answer=$2 ;;
	esac
}

rule_tmp=
if [ "$sudoers" != no ]; then
	prepare_sudoers "$template_dir/vmnet-helper" "$rule" "$rule_line"
	rule_tmp=$prepared
	if [ "$sudoers" = ask ] && ! sudoers_unchanged "$rule_tmp" "$rule"; then
		if [ -t 0 ]; then
			ask "Let $whom run $helper as root without a password ($rule)?" no
			sudoers=$answer
		else
			say "skipped the sudoers rule: no terminal to ask (use --sudoers or --no-sudoers)"
			sudoers=no
		fi
	fi
	if [ "$sudoers" != no ] && ! principal_exists; then
		die "no such ${user:+user}${group:+group} '$user$group' (see --sudoers-group, --sudoers-user)"
	fi
fi
# The launch agent, rendered for the prefix like the sudoers rule.
agent_tmp=
if [ -n "$agents_dir" ]; then
	[ -d "$agents_dir" ] || die "$agents_dir: no such directory"
	check_path "$agents_dir"
	source_of "$agent_template"
	agent_tmp=$scratch/$agent_label.plist
	sed -e "s|<string>$template_helper</string>|<string>$helper</string>|" "$src" >"$agent_tmp"
	grep -qF "<string>$helper</string>" "$agent_tmp" ||
		die "$src: not the vmnet-helper launch agent template"
fi

# closefrom_override is its own question, and only makes sense with the rule.
[ "$closefrom" != ask ] || [ "$sudoers" != no ] || closefrom=no
snippet_tmp=
if [ "$closefrom" != no ]; then
	prepare_sudoers "$template_dir/vmnet-helper-closefrom" "$snippet" "$snippet_line"
	snippet_tmp=$prepared
	if [ "$closefrom" = ask ] && sudoers_unchanged "$snippet_tmp" "$snippet"; then
		closefrom=yes
	elif [ "$closefrom" = ask ] && [ -t 0 ]; then
		say "closefrom_override: callers may pass the VM's socket through sudo (sudo -C: vmnet-run, fd-passing launchers; without it only --socket works), at the cost that they may hand the root helper any open descriptor (it closes all but --fd at once)."
		ask "Install $snippet?" yes
		closefrom=$answer
	elif [ "$closefrom" = ask ]; then
		say "skipped closefrom_override: no terminal to ask (use --closefrom or --no-closefrom)"
		closefrom=no
	fi
fi

# --- the stream daemon's service --------------------------------------------

# socket_vmnet's defaults (its launchd plist, Lima's shared network), so its
# users' configuration works unchanged: gateway 192.168.105.1, DHCP up to
# .254, socket /var/run/socket_vmnet.
serve_args="--serve-stream $serve_socket --start-address 192.168.105.1 --end-address 192.168.105.254 --subnet-mask 255.255.255.0"

# Print the service file for $service_type.
render_service() {
	if [ "$service_type" = launchd ]; then
		cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>io.github.vmnet-helper.serve-stream</string>
	<key>ProgramArguments</key>
	<array>
		<string>$helper</string>
EOF
		for a in $serve_args; do
			printf '\t\t<string>%s</string>\n' "$a"
		done
		# Interactive: socket_vmnet measured 3.59 -> 1.32 Gbit/s when
		# launchd throttled its daemon as a background process.
		cat <<EOF
	</array>
	<key>UserName</key>
	<string>root</string>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
	<key>StandardErrorPath</key>
	<string>/var/log/vmnet-helper-serve-stream.log</string>
</dict>
</plist>
EOF
	else
		cat <<EOF
[Unit]
Description=vmnet-helper: socket_vmnet-compatible daemon, one interface per VM
After=network.target

[Service]
ExecStart=$helper $serve_args
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
	fi
}

service_tmp=
if [ "$serve" = yes ]; then
	[ -d "$service_dir" ] || die "$service_dir: no such directory"
	check_path "$service_dir"
	service_tmp=$scratch/service
	render_service >"$service_tmp"
fi

install_sudoers() { # rendered dest
	new_manifest="$new_manifest${nl}file $(cksum <"$1") $2"
	if sudoers_unchanged "$1" "$2"; then
		say "unchanged $2"
	else
		change install installed "$2" mv -f "$1" "$2"
	fi
}

# --- macOS signature -------------------------------------------------------

# From macOS 26 vmnet needs no root for a helper signed with the
# com.apple.security.virtualization entitlement. A release's helper is
# signed already; one built from source is signed here, ad hoc, as a copy
# in the scratch directory (the same bytes on every run, so a second run
# finds the installed helper unchanged).
signed_helper() {
	codesign --verify --strict "$1" 2>/dev/null &&
		codesign -d --entitlements - --xml "$1" 2>/dev/null |
		grep -q '<key>com.apple.security.virtualization</key>'
}

helper_src=
if [ "$(uname -s)" = Darwin ]; then
	command -v codesign >/dev/null || die "codesign not found (xcode-select --install)"
	source_of bin/vmnet-helper
	helper_src=$src
	if ! signed_helper "$helper_src"; then
		[ -x "$root/scripts/macos/sign.sh" ] ||
			die "$src is not signed with com.apple.security.virtualization"
		cp "$src" "$scratch/vmnet-helper"
		"$root/scripts/macos/sign.sh" "$scratch/vmnet-helper" >&2 || die "cannot sign $src"
		helper_src=$scratch/vmnet-helper
		say "signed vmnet-helper ad hoc with com.apple.security.virtualization"
	fi
fi

# --- do it -----------------------------------------------------------------

make_dirs
for rel in $files; do
	source_of "$rel"
	case $rel in
	# socket_vmnet is vmnet-helper under socket_vmnet's name (Lima's paths.socketVMNet):
	# the same signed bytes, a regular file (Lima refuses a symlink).
	bin/vmnet-helper | bin/socket_vmnet) install_file "${helper_src:-$src}" "$prefix/$rel" 0755 -rwxr-xr-x ;;
	bin/*) install_file "$src" "$prefix/$rel" 0755 -rwxr-xr-x ;;
	*) install_file "$src" "$prefix/$rel" 0644 -rw-r--r-- ;;
	esac
done
if [ -n "$helper_src" ] && [ "$dry_run" = no ]; then
	signed_helper "$prefix/bin/vmnet-helper" ||
		die "$prefix/bin/vmnet-helper: signature or entitlement does not verify"
fi
[ "$sudoers" = no ] || install_sudoers "$rule_tmp" "$rule"
[ "$closefrom" = no ] || install_sudoers "$snippet_tmp" "$snippet"
if [ "$serve" = yes ]; then
	install_file "$service_tmp" "$service_file" 0644 -rw-r--r--
	if [ "$service_type" = launchd ]; then
		say "start the daemon with: launchctl bootstrap system $service_file"
	else
		say "start the daemon with: systemctl daemon-reload && systemctl enable --now ${service_file##*/}"
	fi
fi
[ -z "$agents_dir" ] || install_file "$agent_tmp" "$agents_dir/$agent_label.plist" 0644 -rw-r--r--

# The manifest keeps the directories created by earlier runs, and files of
# earlier runs this run did not handle (a sudoers rule installed before and
# skipped now) while they exist.
kept_lines=
while read -r kind a b c; do
	case $kind in
	dir) [ ! -d "$a" ] || kept_lines="$kept_lines${nl}dir $a" ;;
	file)
		case $new_manifest$nl in
		*" $c$nl"*) ;;
		*) [ ! -f "$c" ] || kept_lines="$kept_lines${nl}file $a $b $c" ;;
		esac
		;;
	esac
done <<EOF
$old_manifest
EOF

manifest_text="# vmnet-helper install manifest: what '$prog --uninstall' removes$kept_lines$created_dirs$new_manifest"
printf '%s\n' "$manifest_text" >"$scratch/MANIFEST"
if ! { [ -f "$manifest" ] && cmp -s "$scratch/MANIFEST" "$manifest" &&
	same_mode -rw-r--r-- "$manifest"; }; then
	change write wrote "$manifest" put_file "$scratch/MANIFEST" "$manifest" 0644
fi

if [ "$changes" -eq 0 ]; then
	say "vmnet-helper in $prefix: unchanged"
elif [ "$dry_run" = yes ]; then
	say "vmnet-helper in $prefix: $changes change(s) needed (dry run, nothing changed)"
else
	say "vmnet-helper installed in $prefix"
fi
