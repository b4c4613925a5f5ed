#!/usr/bin/env bash
# One option vocabulary: every long option that `restorefs-scan --help` and `restorefs --help`
# list is run once on the `basic` image, in each spelling its program takes (--x=V, --x V,
# and for the mount -o x=V), and must be accepted, or refused with our own message (first
# stderr line "PROGRAM: ...", never libfuse's or GLib's "unknown option"). Options with a
# checked value are also given a bad one, which must be refused with a message that names
# the option. Every option of restorefs-scan that makes sense for a mount must be listed by
# restorefs --help. A selection hides on the mount what restorefs-scan leaves out of its
# listing, and the folders that lead to nothing.
#
#   test_every_option.sh RESTOREFS RESTOREFS_SCAN
set -uo pipefail
TEST_NAME="options-every"
. "$(dirname "$(readlink -f "$0")")/lib.sh"
RESTOREFS=$(readlink -f "$1")
SCAN=$(readlink -f "$2")
enter_namespace "$@"
need_image basic
printf 'not a password\n' >"$WORK/secret"

# restorefs-scan options that only make sense for a listing or an extraction
SCAN_ONLY=" format json hash extract merge no-streams portable-names info find-volumes full no-directories version help "

long_options() { # PROGRAM: the long options its --help lists, one a line, without dashes
	"$1" --help | sed -n 's/^  \(-[A-Za-z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' | sort -u
}

good_value() { # NAME: a value the option accepts on the basic image
	case $1 in
	name) echo '*.txt' ;;
	min-size) echo 1K ;;
	max-size) echo 1M ;;
	min-recoverable) echo 50 ;;
	deleted-after | modified-after) echo 2020-01-01 ;;
	deleted-before | modified-before) echo 2100-01-01T00:00:00Z ;;
	overwritten) echo zero ;;
	unreadable) echo eio ;;
	uid | gid) echo 0 ;;
	umask) echo 022 ;;
	start-sector | boot-sector | offset) echo 0 ;;
	sector-size) echo 512 ;;
	partition) echo 1 ;;
	bitlocker) echo native ;;
	snapshots) echo off ;;
	password-file | recovery-password-file | startup-key | key-file) echo "$WORK/secret" ;;
	password-fd) echo 0 ;;
	format) echo csv ;;
	hash) echo md5 ;;
	extract) echo "$WORK/x.$RANDOM$RANDOM" ;;
	esac
}

takes_value() { [[ -n "$(good_value "$1")" ]]; }
# options whose value is checked, so that "bogus" must be refused
CHECKED=" min-size max-size min-recoverable deleted-after deleted-before modified-after modified-before overwritten unreadable uid gid umask start-sector boot-sector sector-size offset partition bitlocker password-fd format hash snapshots "

# extra PROGRAM NAME: what the option needs beside it
extra() {
	case $2 in
	boot-sector) [[ $1 == scan ]] && echo "--start-sector=0" || echo "-o start_sector=0" ;;
	merge) echo "--extract=$WORK/merge" ;;
	no-streams | portable-names) echo "--extract=$WORK/x.$RANDOM$RANDOM" ;;
	full) echo "--find-volumes" ;;
	esac
}

# ours PROGRAM_NAME ERRFILE: the failure was reported by us, in one line (plus scan's hint)
ours() {
	local first
	first=$(head -n1 "$2")
	[[ "$first" == "$1: "* ]] || return 1
	grep -qi "unknown option" "$2" && return 1
	(($(grep -vc "^Try '" "$2") <= 1))
}

check_scan() { # NAME ARGS...: restorefs-scan with these options
	local name=$1
	shift
	local rc=0
	"$SCAN" -q "$@" "$IMG" </dev/null >/dev/null 2>"$WORK/err" || rc=$?
	case $name in
	extract | merge | no-streams | portable-names) ((rc == 0 || rc == 4 || rc == 5)) && return ;;
	partition | password-file | recovery-password-file | startup-key | key-file | password-fd)
		((rc == 0)) || ours restorefs-scan "$WORK/err" || fail "restorefs-scan $*: rc $rc: $(cat "$WORK/err")"
		return ;;
	esac
	((rc == 0)) || fail "restorefs-scan $*: rc $rc: $(head -n2 "$WORK/err")"
}

check_mount() { # NAME ARGS...: restorefs with these options, then unmounted
	local name=$1
	shift
	local rc=0
	unmount_all
	"$RESTOREFS" "$@" "$IMG" "$MNT" </dev/null >/dev/null 2>"$WORK/err" || rc=$?
	if ((rc == 0)); then
		case $name in
		help | version) return ;;
		esac
		mounted_ok "$MNT" || fail "restorefs $*: exit 0 but nothing is mounted"
		unmount_all
		return
	fi
	case $name in
	partition | password-file | recovery-password-file | startup-key | key-file | password-fd)
		ours restorefs "$WORK/err" || fail "restorefs $*: rc $rc: $(cat "$WORK/err")"
		return ;;
	esac
	fail "restorefs $*: rc $rc: $(head -n2 "$WORK/err")"
}

check_bad() { # PROGRAM NAME SPELLING ARGS...: refused, naming the option
	local prog=$1 name=$2 spelling=$3
	shift 3
	local rc=0 bin=$SCAN
	[[ $prog == restorefs ]] && bin=$RESTOREFS
	unmount_all
	if [[ $prog == restorefs ]]; then
		"$bin" "$@" "$IMG" "$MNT" </dev/null >/dev/null 2>"$WORK/err" || rc=$?
	else
		"$bin" -q "$@" "$IMG" </dev/null >/dev/null 2>"$WORK/err" || rc=$?
	fi
	unmount_all
	((rc != 0)) || { fail "$prog $*: a bad value was accepted"; return; }
	ours "$prog" "$WORK/err" || fail "$prog $*: not our one-line message: $(cat "$WORK/err")"
	grep -q -e "$spelling" "$WORK/err" || fail "$prog $*: the message does not name $spelling: $(cat "$WORK/err")"
}

mapfile -t SCAN_OPTS < <(long_options "$SCAN")
mapfile -t MOUNT_OPTS < <(long_options "$RESTOREFS")
MOUNT_HELP=$("$RESTOREFS" --help)
((${#SCAN_OPTS[@]} > 30)) || fail "restorefs-scan --help lists only ${#SCAN_OPTS[@]} long options"
((${#MOUNT_OPTS[@]} > 25)) || fail "restorefs --help lists only ${#MOUNT_OPTS[@]} long options"

# ---- one vocabulary --------------------------------------------------------------------------
for o in "${SCAN_OPTS[@]}"; do
	[[ $SCAN_ONLY == *" $o "* ]] && continue
	printf '%s\n' "${MOUNT_OPTS[@]}" | grep -qx -- "$o" || fail "--$o of restorefs-scan is not an option of restorefs"
	key=${o//-/_}
	[[ $MOUNT_HELP == *"-o $key"* ]] || fail "restorefs --help does not list -o $key"
done

# ---- restorefs-scan: every long option once, --x=V and --x V ---------------------------------
mkdir -p "$WORK/merge"
for o in "${SCAN_OPTS[@]}"; do
	read -ra more <<<"$(extra scan "$o")"
	if takes_value "$o"; then
		check_scan "$o" "${more[@]}" "--$o=$(good_value "$o")"
		check_scan "$o" "${more[@]}" "--$o" "$(good_value "$o")"
		[[ $CHECKED == *" $o "* ]] && check_bad restorefs-scan "$o" "--$o" "${more[@]}" "--$o=bogus"
	else
		check_scan "$o" "${more[@]}" "--$o"
	fi
done
check_scan deep --deep=all
check_bad restorefs-scan deep --deep --deep=bogus
check_bad restorefs-scan live --live --live=1

# ---- restorefs: every long option once, --x=V, --x V and -o x=V -----------------------------
for o in "${MOUNT_OPTS[@]}"; do
	key=${o//-/_}
	read -ra more <<<"$(extra mount "$o")"
	if takes_value "$o"; then
		v=$(good_value "$o")
		check_mount "$o" "${more[@]}" "--$o=$v"
		check_mount "$o" "${more[@]}" "--$o" "$v"
		check_mount "$o" "${more[@]}" -o "$key=$v"
		if [[ $CHECKED == *" $o "* ]]; then
			check_bad restorefs "$o" "--$o" "${more[@]}" "--$o=bogus"
			check_bad restorefs "$o" "-o $key\|$key" "${more[@]}" -o "$key=bogus"
		fi
		check_bad restorefs "$o" "-o $key" -o "$key"
	else
		check_mount "$o" "${more[@]}" "--$o"
		[[ $o == help || $o == version ]] || check_mount "$o" -o "$key"
	fi
done
check_mount deep -o deep=all
check_mount deep --deep=all
check_mount live -o show_live
check_bad restorefs deep "-o deep" -o deep=bogus
check_bad restorefs live "--live" --live=1

# ---- the selection on the mount shows what restorefs-scan lists --------------------------------
# SCAN_ARGS|MOUNT_ARGS: the same selection, in each program's spelling
for pair in "--name=*.TXT|--name=*.TXT" "--name=deltree/*|-o name=deltree/*" \
	"--name=*.txt --case-sensitive --modified-after=2020-01-01|-o name=*.txt,case_sensitive --modified-after 2020-01-01" \
	"--min-size=1K --max-size=100K|-o min_size=1K,max_size=100K"; do
	IFS='|' read -r scan_sel mount_sel <<<"$pair"
	# shellcheck disable=SC2086
	"$SCAN" -q --format=csv $scan_sel "$IMG" 2>/dev/null | python3 -c '
import csv, sys
for r in csv.DictReader(sys.stdin):
    if r["type"] not in ("dir", "ghost") and not r["path"].startswith("/lost+found/"):
        print(r["path"])' | sort >"$WORK/want"
	unmount_all
	# shellcheck disable=SC2086
	"$RESTOREFS" $mount_sel "$IMG" "$MNT" 2>"$WORK/err" || { fail "restorefs $mount_sel: $(cat "$WORK/err")"; continue; }
	(cd "$MNT" && find . -type f | sed 's/^\.//' | grep -v '^/lost+found/' | sort) >"$WORK/got"
	[[ -s "$WORK/want" ]] || fail "restorefs-scan $scan_sel selects nothing"
	cmp -s "$WORK/want" "$WORK/got" ||
		fail "restorefs $mount_sel shows other files than restorefs-scan $scan_sel lists: $(diff "$WORK/want" "$WORK/got" | head -5)"
	empty=$(cd "$MNT" && find . -mindepth 1 -type d -empty ! -name lost+found | head -1)
	[[ -z "$empty" ]] || fail "restorefs $mount_sel shows a folder that leads to nothing: $empty"
done
unmount_all

((FAILURES == 0)) || { say "$FAILURES failures"; exit 1; }
say "ok: ${#SCAN_OPTS[@]} restorefs-scan and ${#MOUNT_OPTS[@]} restorefs long options"
