#!/bin/bash
# The installed bash completion: loaded into bash, it completes options, --format and -o
# values, the keys of -o lists and file names, and offers every long option each program's
# --help prints.
# usage: test_completion.sh BUILD_ROOT RESTOREFS RESTOREFS_SCAN
set -eu
export LC_ALL=C
build=$1
restorefs=$2
scan=$3
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=install-completion
. "$here/../skip.sh"
. "$here/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
install_build "$build"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
dir=$(find "$dest" -type d -path '*/bash-completion/completions' | head -n 1)
for p in restorefs restorefs-scan; do
	[ -f "$dir/$p" ] || { echo "FAIL: no completion for $p installed (in $dest)"; exit 1; }
done
echo "ok: installed in ${dir#"$dest"}"
mkdir "$work/files" "$work/files/subdir"
: >"$work/files/disk.img"
: >"$work/files/disk.E01"

# complete LINE: what bash offers at the end of LINE, one per line, sorted
complete_line() {
	bash --norc --noprofile -c '
		. "$1/restorefs"; . "$1/restorefs-scan"
		COMP_LINE=$2; COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		f=$(complete -p "${2%% *}" | sed "s/.*-F \([^ ]*\) .*/\1/")
		COMPREPLY=(); "$f" "${2%% *}" "${COMP_WORDS[COMP_CWORD]}" ""
		printf "%s\n" "${COMPREPLY[@]}"' sh "$dir" "$1" | sort
}
# expect LINE WORD...: the completions of LINE are exactly these words
expect() {
	line=$1
	shift
	want=$(printf '%s\n' "$@" | sort)
	got=$(complete_line "$line")
	if [ "$got" = "$want" ]; then
		echo "ok: '$line' -> $(echo $got)"
	else
		fail "'$line' -> '$(echo $got)', want '$(echo $want)'"
	fi
}

expect "restorefs-scan --form" --format
expect "restorefs-scan --format " bodyfile csv json text
expect "restorefs-scan --format=j" json
expect "restorefs-scan -f c" csv
expect "restorefs-scan --overwritten " eio raw zero
expect "restorefs-scan --bitlocker=" libbde native
expect "restorefs-scan $work/files/disk." "$work/files/disk.E01" "$work/files/disk.img"
expect "restorefs-scan -x $work/files/s" "$work/files/subdir"
expect "restorefs -o show_" show_live
expect "restorefs -o gho" ghosts
expect "restorefs -o uid=1000,overw" 1000,overwritten=
expect "restorefs -o overwritten=z" zero
expect "restorefs -o unreadable=" eio zero
expect "restorefs --part" --partition
expect "restorefs $work/files/disk.i" "$work/files/disk.img"

# every long option of --help is offered after "--"
for pair in "$restorefs:restorefs" "$scan:restorefs-scan"; do
	prog=${pair%%:*} name=${pair#*:}
	offered=$(complete_line "$name --" | sed 's/=.*//')  # --deep=all offers --deep
	missing=
	for opt in $("$prog" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		# options of other programs named in the help text
		case "$name:$opt" in restorefs:--extract | restorefs:--find-volumes) continue ;; esac
		printf '%s\n' "$offered" | grep -qx -- "$opt" || missing="$missing $opt"
	done
	[ -z "$missing" ] && echo "ok: $name: every long option of --help is offered" ||
		fail "$name: not offered:$missing"
done
exit $failed
