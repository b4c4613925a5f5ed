# shellcheck shell=bash
# Shared by test_bde_mount.sh and scripts/bench-bitlocker.sh: turns a copy of a Windows-made
# BitLocker container into one that holds a fresh NTFS with deleted files, by writing through
# dislocker-fuse (read-write) and ntfs-3g, and tears all of it down again.
#
# The caller runs inside its own mount namespace (unshare --mount) and calls bde_teardown
# from its EXIT trap, so nothing stays mounted or running when a step fails. Both FUSE
# daemons run in the foreground as our children, so we know their PIDs and wait for them:
# after bde_close returns, every write has reached the container file.
#
#   bde_open CONTAINER WORKDIR SECTOR_SIZE UNLOCK_ARG...
#       decrypts CONTAINER with dislocker-fuse (UNLOCK_ARG: -uPASSWORD, -pRECOVERY or
#       -f FILE.BEK), runs mkntfs on the decrypted file (4 KiB clusters), marks the
#       clusters over BitLocker's own areas in use (bde_reserve) and mounts it with
#       ntfs-3g (streams_interface=windows, so "file:stream" names an ADS); sets BDE_NTFS
#   bde_close
#       unmounts ntfs-3g, then dislocker-fuse, and waits for both to exit
#   bde_teardown
#       bde_close that never fails, for traps
#   bde_conf_get IMAGES_CONF SECTION KEY
#       one value of images.conf

BDE_DIS_DIR="" BDE_NTFS="" BDE_DIS_PID="" BDE_NTFS_PID="" BDE_LOG=""

bde_conf_get() {
	sed -n "/^\[$2\]\$/,/^\[/{s/^$3=//p}" "$1" | head -n1
}

# bde_reserve CONTAINER DECRYPTED: the three FVE metadata blocks and the encrypted copy of
# the first sectors lie inside the volume's byte range. Windows covers them with files of
# its own; a fresh mkntfs sees free clusters there, and dislocker-fuse refuses writes into
# them (EFAULT), or a file there would overwrite the copy that the boot sector is read
# from. Sets the $Bitmap bytes over 128 KiB from each such offset to 0xff (8 clusters a
# byte), before ntfs-3g reads the bitmap.
bde_reserve() {
	local container=$1 file=$2 cluster=4096 offsets runs off c first last byte vcn lcn len
	offsets=$(dislocker-metadata -V "$container" 2>&1 |
		sed -n 's/.*\(metadata header offset\|Boot sectors backup address\): *\(0x[0-9a-f]*\).*/\2/p' |
		sort -u)
	[[ -n "$offsets" ]] || { echo "dislocker-metadata found no metadata offsets" >&2; return 1; }
	# $Bitmap's runs as "VCN LCN LENGTH" lines (hex)
	runs=$(ntfsinfo -i 6 -v "$file" 2>/dev/null | awk '/Runlist:/ { on = 1; next }
		on && NF == 3 && $1 ~ /^0x/ { print $1, $2, $3 } on && NF != 3 { on = 0 }')
	[[ -n "$runs" ]] || { echo "no \$Bitmap runlist from ntfsinfo" >&2; return 1; }
	for off in $offsets; do
		first=$((off / cluster / 8)) last=$(((off + 131072) / cluster / 8))
		for ((byte = first; byte <= last; byte++)); do
			c=$((byte / cluster)) # the $Bitmap VCN holding this byte
			while read -r vcn lcn len; do
				if ((c >= vcn && c < vcn + len)); then
					printf '\xff' | dd of="$file" bs=1 seek=$(((lcn + c - vcn) * cluster + byte % cluster)) \
						conv=notrunc status=none
				fi
			done <<<"$runs"
		done
	done
}

# bde_wait_mounted DIR PID: until DIR is a mount point, or PID exits (then false).
bde_wait_mounted() {
	local _
	for _ in $(seq 1 200); do
		mountpoint -q "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

bde_open() {
	local container=$1 work=$2 sector=$3
	shift 3
	BDE_DIS_DIR=$work/dislocker BDE_NTFS=$work/ntfs BDE_LOG=$work/bde.log
	mkdir -p "$BDE_DIS_DIR" "$BDE_NTFS"
	: >"$BDE_LOG"
	dislocker-fuse "$@" "$container" -- "$BDE_DIS_DIR" -f >>"$BDE_LOG" 2>&1 &
	BDE_DIS_PID=$!
	if ! bde_wait_mounted "$BDE_DIS_DIR" "$BDE_DIS_PID"; then
		echo "dislocker-fuse did not open $container: $(tail -n3 "$BDE_LOG")" >&2
		return 1
	fi
	if ! mkntfs -F -f -q -s "$sector" -c 4096 "$BDE_DIS_DIR/dislocker-file" >>"$BDE_LOG" 2>&1; then
		echo "mkntfs failed: $(tail -n3 "$BDE_LOG")" >&2
		return 1
	fi
	bde_reserve "$container" "$BDE_DIS_DIR/dislocker-file" || return 1
	ntfs-3g -o streams_interface=windows,no_detach "$BDE_DIS_DIR/dislocker-file" "$BDE_NTFS" \
		>>"$BDE_LOG" 2>&1 &
	BDE_NTFS_PID=$!
	if ! bde_wait_mounted "$BDE_NTFS" "$BDE_NTFS_PID"; then
		echo "ntfs-3g did not mount the decrypted volume: $(tail -n3 "$BDE_LOG")" >&2
		return 1
	fi
}

# bde_stop DIR PID: unmounts DIR and waits for the FUSE daemon PID to exit.
bde_stop() {
	local dir=$1 pid=$2
	if [[ -n "$dir" ]] && mountpoint -q "$dir" 2>/dev/null; then
		fusermount3 -u "$dir" 2>/dev/null || umount "$dir" 2>/dev/null || umount -l "$dir" || return 1
	fi
	if [[ -n "$pid" ]]; then
		wait "$pid" 2>/dev/null || true
	fi
}

bde_close() {
	bde_stop "$BDE_NTFS" "$BDE_NTFS_PID" || return 1
	BDE_NTFS_PID=""
	bde_stop "$BDE_DIS_DIR" "$BDE_DIS_PID" || return 1
	BDE_DIS_PID=""
}

bde_teardown() {
	bde_close 2>/dev/null && return 0
	# something held a mount busy: make sure no daemon outlives us
	local pid
	for pid in "$BDE_NTFS_PID" "$BDE_DIS_PID"; do
		[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	BDE_NTFS_PID="" BDE_DIS_PID=""
	return 0
}
