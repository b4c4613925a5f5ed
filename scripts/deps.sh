#!/usr/bin/env bash
# Installs the Debian packages restorefs needs to build, test and run; does nothing (fast)
# when they are all present. Runs apt-get as root, or through sudo.
set -euo pipefail

# Every program the scripts and tests call comes from one of these; a minimal Debian
# (debootstrap --variant=minbase) has only the Essential ones, so they are all listed.
PACKAGES=(
	# build: compiler, meson, the libraries
	gcc libc6-dev pkg-config meson ninja-build
	libglib2.0-dev libfuse3-dev libjson-glib-dev libbde-dev libbfio-dev libssl-dev
	libcriterion-dev
	# image formats: libewf (E01), libvhdi (VHD, VHDX), libvmdk (VMDK), libqcow (QCOW)
	libewf-dev libvhdi-dev libvmdk-dev libqcow-dev
	# Volume Shadow Copies: libvshadow; vshadowinfo and vshadowmount (libvshadow-utils), the
	# tests' reference
	libvshadow-dev libvshadow-utils
	# fuzzing (scripts/fuzz.sh): clang, and libFuzzer's runtime, which clang only recommends
	clang libclang-rt-14-dev
	# man pages: scdoc (build), man (man-db, the man page test)
	scdoc man-db
	# run: fusermount3, mount.fuse3
	fuse3
	# test images: mkntfs ntfs-3g ntfsinfo ntfsundelete; istat icat fls; setfattr getfattr;
	# openssl (generated content); dislocker-fuse dislocker-file dislocker-metadata
	ntfs-3g sleuthkit attr openssl dislocker
	# test images in other formats: ewfacquire (ewf-tools); qemu-img (qemu-utils)
	ewf-tools qemu-utils
	# disks and mounts: sfdisk; losetup unshare setsid mountpoint fincore; mount umount; mkfs.ext4;
	# mkfs.vfat (extraction onto a FAT stick)
	fdisk util-linux mount e2fsprogs dosfstools
	# fixtures (tar -J needs xz), text tools, checksums, timing, tables (column)
	tar xz-utils mawk sed grep findutils diffutils coreutils xxd time bsdextrautils rsync
	python3
	# the mount test's check that reads are spliced
	strace
	# fault tests: tests/integration/faults/faultyfs.py, a FUSE file system in python
	python3-pyfuse3 python3-trio
)

declare -A have=()
while read -r pkg status; do
	[[ "$status" == installed ]] && have[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for pkg in "${PACKAGES[@]}"; do
	[[ -n "${have[$pkg]:-}" ]] || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if [[ $EUID -eq 0 ]]; then
	SUDO=()
elif command -v sudo >/dev/null; then
	SUDO=(sudo)
else
	echo "deps: missing packages (${missing[*]}) and neither root nor sudo to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null ||
	{ echo "deps: apt-get update failed" >&2; exit 1; }
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
