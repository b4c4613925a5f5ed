#!/usr/bin/env bash
# Checks the layering of src/ and include/ by their #include lines, before anything is built:
#   - a file includes only files of its own part and of the parts the table below allows;
#   - a header private to its layer is included from that layer only;
#   - no include cycle between modules of the core (foo.c and foo.h are module foo): A's
#     files include B's header and B's include A's, directly or through other modules.
# Files under tests/ are not checked: unit tests and fuzz targets test internals.
# Prints every violation and exits 1 if any is not on the temporary allow-list below.
# Needs bash 4, grep, sed, sort and realpath only.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# ---- the allowed dependencies: the one place that says how the parts are layered ----------
# A part is a folder of src/ (or the public API, include/restorefs/). Each part may include
# its own files and those of the parts listed; anything else is up a layer or sideways.
#   core:       util <- device <- ntfs <- index <- context; each sees every layer below it.
#   front ends: cli and fuse see src/frontend (what they share) and the public API only,
#               never the core's private headers and never each other; src/frontend sees
#               the public API only.
declare -A ALLOWED=(
	[api]=""
	[util]="api"
	[device]="util api"
	[ntfs]="device util api"
	[index]="ntfs device util api"
	[context]="index ntfs device util api"
	[frontend]="api"
	[cli]="frontend api"
	[fuse]="frontend api"
)
CORE=" util device ntfs index context "

# Headers only their own layer may include: nothing above device/ knows about BitLocker.
PRIVATE=(
	src/device/encrypted_volume_backend.h
	src/device/fve_metadata.h
	src/device/recovery_password.h
)

# ---- TEMPORARY allow-list --------------------------------------------------------------------
# Known violations that are being fixed on other branches, one line each, exactly as reported
# below. Empty this list when those branches are merged; an entry that no longer occurs fails
# the check, so the list cannot go stale.
KNOWN=(
)
# ---- end of the temporary allow-list ---------------------------------------------------------

part_of() { # PATH -> the part it belongs to
	case $1 in
	include/restorefs/*) echo api ;;
	src/*/*) local rest=${1#src/}; echo "${rest%%/*}" ;;
	*) echo none ;;
	esac
}

# A module's private half (NAME_private.h: its state shared by its files; NAME_backend.h:
# what its backends implement) belongs to NAME.
module_of() { # src/LAYER/NAME.[ch] -> LAYER/NAME
	local rest=${1#src/}
	rest=${rest%.[ch]}
	rest=${rest%_private}
	echo "${rest%_backend}"
}

# resolve FILE NAME QUOTED: the project file that `#include "NAME"` (QUOTED=1) or <NAME>
# in FILE names, searching as the compiler may: FILE's folder (quoted only), include/, src/
# and src/frontend/ (the front ends' include path). Empty when NAME is not ours.
resolve() {
	local dir candidates=() c
	dir=$(dirname "$1")
	[[ $3 == 1 ]] && candidates+=("$dir/$2")
	candidates+=("include/$2" "src/$2" "src/frontend/$2")
	for c in "${candidates[@]}"; do
		if [[ -f $c ]]; then
			realpath -m --relative-to="$ROOT" "$c"
			return
		fi
	done
}

violations=()   # "KEY|explanation"
declare -A edges    # "from-module to-module" -> "file -> header" (first seen)
declare -A succ     # module -> successor modules, space-separated

report() { violations+=("$1|$2"); }

files=$(find include src -name '*.[ch]' | LC_ALL=C sort)
for file in $files; do
	part=$(part_of "$file")
	if [[ $part != api && -z ${ALLOWED[$part]+x} ]]; then
		report "$file" "src/$part is no part of the table in scripts/check-layers.sh"
		continue
	fi
	while IFS= read -r line; do
		quoted=0
		[[ $line == *\"* ]] && quoted=1
		name=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/' <<<"$line")
		target=$(resolve "$file" "$name" "$quoted")
		if [[ -z $target ]]; then
			((quoted)) && report "$file -> $name" "no such file in include/ or src/"
			continue
		fi
		tpart=$(part_of "$target")
		key="$file -> $target"
		if [[ $tpart != "$part" && " ${ALLOWED[$part]} " != *" $tpart "* ]]; then
			report "$key" "$part may not include $tpart (allowed: ${ALLOWED[$part]:-nothing})"
		fi
		for private in "${PRIVATE[@]}"; do
			if [[ $target == "$private" && $part != "$(part_of "$private")" ]]; then
				report "$key" "${private#src/} is private to $(part_of "$private")/"
			fi
		done
		if [[ $CORE == *" $part "* && $CORE == *" $tpart "* ]]; then
			from=$(module_of "$file") to=$(module_of "$target")
			if [[ $from != "$to" && -z ${edges["$from $to"]+x} ]]; then
				edges["$from $to"]=$key
				succ[$from]+=" $to"
			fi
		fi
	done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" || true)
done

# ---- include cycles between modules of the core ------------------------------------------------
declare -A reach # "a b" -> 1 when b can be reached from a
for start in "${!succ[@]}"; do
	queue=(${succ[$start]})
	while ((${#queue[@]})); do
		m=${queue[0]}
		queue=("${queue[@]:1}")
		[[ -n ${reach["$start $m"]+x} ]] && continue
		reach["$start $m"]=1
		queue+=(${succ[$m]:-})
	done
done
declare -A seen_cycle
for start in "${!succ[@]}"; do
	members=$(for pair in "${!reach[@]}"; do
		read -r a b <<<"$pair"
		[[ $a == "$start" && -n ${reach["$b $a"]+x} ]] && echo "$b"
	done | LC_ALL=C sort -u | tr '\n' ' ')
	members=${members% }
	[[ -z $members || -n ${seen_cycle[$members]+x} ]] && continue
	seen_cycle[$members]=1
	why=()
	for a in $members; do
		for b in $members; do
			[[ -n ${edges["$a $b"]+x} ]] && why+=("${edges["$a $b"]}")
		done
	done
	report "cycle $members" "$(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
done

# ---- verdict -----------------------------------------------------------------------------------
failed=0
declare -A found
for v in "${violations[@]}"; do
	key=${v%%|*}
	found[$key]=1
	known=0
	for k in "${KNOWN[@]}"; do [[ $k == "$key" ]] && known=1; done
	if ((known)); then
		echo "check-layers: known, allowed for now: $key (${v#*|})"
	else
		echo "check-layers: $key: ${v#*|}"
		failed=1
	fi
done
for k in "${KNOWN[@]}"; do
	if [[ -z ${found[$k]+x} ]]; then
		echo "check-layers: '$k' is on the temporary allow-list but does not occur as listed: update or remove it"
		failed=1
	fi
done
if ((failed)); then
	echo "check-layers: FAILED (the table of allowed dependencies is in scripts/check-layers.sh)"
	exit 1
fi
echo "check-layers: ok ($(wc -w <<<"$files") files)"
