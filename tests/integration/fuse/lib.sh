# Shared by the restorefs mount tests. Each test re-runs itself inside a private mount
# namespace, so its mounts never reach the host, and its EXIT trap unmounts and detaches
# whatever it set up, also when a check fails. Exit 77 = skipped (meson); under CI=true a
# missing input fails instead (../skip.sh).
#
#   RESTOREFS     the restorefs binary (first argument of every test)
#   RESTOREFS_IMAGES  folder with NAME.img / NAME.manifest / NAME.conf from scripts/mkimages.sh

FAILURES=0
WORK="" MNT="" LOOP=""

say() { printf '%s: %s\n' "${TEST_NAME:-test}" "$*" >&2; }
fail() { say "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
# shellcheck source=../skip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../skip.sh"

# enter_namespace "$@": checks what every mount test needs, then re-executes the script in
# its own mount namespace.
enter_namespace() {
	[[ -c /dev/fuse ]] || skip "/dev/fuse is missing"
	[[ $EUID -eq 0 ]] || skip "needs root (loop devices, unshare --mount)"
	command -v unshare >/dev/null || skip "unshare not found"
	if [[ -z "${RESTOREFS_TEST_IN_NS:-}" ]]; then
		RESTOREFS_TEST_IN_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
	fi
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/restorefs-fuse-test.XXXXXX")
	MNT="$WORK/mnt"
	mkdir -p "$MNT"
	trap cleanup EXIT
	trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM # so EXIT runs
}

# detach_loop: detaches $LOOP; the kernel finishes the detach once restorefs closes it.
detach_loop() {
	[[ -n "$LOOP" ]] || return 0
	losetup -d "$LOOP" 2>/dev/null || true
	local i
	for i in $(seq 1 100); do
		losetup "$LOOP" >/dev/null 2>&1 || break
		sleep 0.05
	done
	LOOP=""
}

unmount_all() {
	local m
	for m in "$MNT" "$@"; do
		[[ -n "$m" ]] || continue
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		fi
	done
}

cleanup() {
	local rc=$?
	unmount_all
	[[ -n "${DAEMON_PID:-}" ]] && kill "$DAEMON_PID" 2>/dev/null
	[[ -n "${DAEMON_PID:-}" ]] && wait "$DAEMON_PID" 2>/dev/null
	detach_loop
	[[ -n "$WORK" ]] && rm -rf "$WORK"
	exit "$rc"
}

# need_image NAME: sets IMG, MANIFEST and SECTOR_SIZE, or skips.
need_image() {
	local dir=${RESTOREFS_IMAGES:-}
	[[ -n "$dir" && -d "$dir" ]] || skip "RESTOREFS_IMAGES is not set or missing (run scripts/mkimages.sh DIR)"
	IMG="$dir/$1.img" MANIFEST="$dir/$1.manifest"
	[[ -f "$IMG" && -f "$MANIFEST" ]] || skip "$IMG or its manifest is missing"
	SECTOR_SIZE=512
	if [[ -f "$dir/$1.conf" ]]; then
		SECTOR_SIZE=$(sed -n 's/^sector_size=//p' "$dir/$1.conf")
	fi
}

# attach IMAGE SECTOR_SIZE: sets LOOP to a new read-write loop device (restorefs must not
# write, and the tests check it did not).
attach() {
	detach_loop
	LOOP=$(losetup --find --show --sector-size "$2" "$1") || { say "losetup failed"; exit 1; }
}

# mounted_ok DIR: whether DIR is a restorefs mount.
mounted_ok() {
	awk -v m="$1" '$2 == m && $3 == "fuse.restorefs" { found = 1 } END { exit !found }' /proc/mounts
}

# wait_unmounted_and_detached: after an unmount, the daemon exits and the loop device goes.
wait_detached() {
	local i
	for i in $(seq 1 100); do
		[[ -z "$(losetup -j "$1" 2>/dev/null)" ]] && return 0
		sleep 0.05
	done
	return 1
}

finish() {
	if ((FAILURES > 0)); then
		say "$FAILURES check(s) failed"
		exit 1
	fi
	say "ok"
	exit 0
}
