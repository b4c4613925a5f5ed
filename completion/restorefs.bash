# bash completion for restorefs and restorefs-scan: options, the values of --format,
# --overwritten, --bitlocker, --sector-size and the -o keys of a mount, directories for
# --extract and mount points, file names elsewhere. Installed under both names.
# Works with or without the bash-completion package.

# _restorefs_reply TOKEN CANDIDATE...: COMPREPLY = the candidates that start with TOKEN
# (the whole word under the cursor), cut to what bash takes for the current word, which
# ends at the last '=' or ':' (COMP_WORDBREAKS).
_restorefs_reply()
{
	local tok=$1 w
	shift
	local cur=${tok##*[=:]}
	local cut=$((${#tok} - ${#cur}))
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$tok"* ]] && COMPREPLY+=("${w:cut}")
	done
	# a key waiting for its value, or an option list going on: no space after it
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[=,] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

# _restorefs_files VALUE [-d]: file (or directory) names starting with VALUE, which is
# also what bash takes for the current word (the part after any '=')
_restorefs_files()
{
	compopt -o filenames 2>/dev/null
	local IFS=$'\n'
	COMPREPLY=($(compgen "${2:--f}" -- "$1"))
}

# The word under the cursor and the one before it, from the line itself: bash splits
# COMP_WORDS at '=' and ':', which breaks "--format=csv" and "-o uid=1000,umask=022".
_restorefs_words()
{
	local line=${COMP_LINE:0:COMP_POINT}
	local -a words
	read -ra words <<<"$line"
	if [[ -z $line || $line == *[[:space:]] ]]; then
		_rfs_tok= _rfs_prev=${words[${#words[@]}-1]:-}
	else
		_rfs_tok=${words[${#words[@]}-1]} _rfs_prev=${words[${#words[@]}-2]:-}
	fi
}

_restorefs_location_opts=(--start-sector --boot-sector --sector-size --offset --partition --force)
_restorefs_secret_opts=(--password-file --recovery-password-file --startup-key --key-file
	--password-fd --bitlocker)
_restorefs_scan_opts=(--help --format --name --min-size --max-size --min-recoverable --live
	--no-directories --extract --merge --no-streams --portable-names --overwritten --info --find-volumes --full --json
	--quiet --version --deep --deep=all --snapshots=off --no-snapshots --deleted-after --deleted-before
	--case-sensitive --hash --modified-after --modified-before
	"${_restorefs_location_opts[@]}" "${_restorefs_secret_opts[@]}")
_restorefs_mount_opts=(--help --version --deep --deep=all --snapshots=off --no-snapshots --ghosts --splice
	--direct-io --name --case-sensitive --min-size --max-size --min-recoverable --modified-after --modified-before
	--live --overwritten --unreadable --uid --gid --umask --quiet --deleted-after
	--deleted-before
	"${_restorefs_location_opts[@]}" "${_restorefs_secret_opts[@]}")
# -o keys of a mount: restorefs's own, then the common FUSE ones
_restorefs_o_keys=(uid= gid= umask= show_live ghosts splice direct_io min_recoverable= overwritten= unreadable=
	force start_sector= boot_sector= sector_size= offset= partition= password_file=
	recovery_password_file= startup_key= key_file= password_fd= bitlocker= deep deep=all deleted_after= deleted_before=
	name= case_sensitive min_size= max_size= modified_after= modified_before= live no_snapshots quiet
	snapshots=off ro allow_other allow_root auto_unmount default_permissions fsname=
	max_read= max_readahead= max_threads= max_idle_threads= clone_fd debug)

# _restorefs_value OPTION TOKEN [PREFIX]: completes the value of OPTION, typed as TOKEN,
# each candidate written after PREFIX ("--format=" when the value is in the same word);
# false if OPTION takes no value
_restorefs_value()
{
	local opt=$1 tok=$2 prefix=${3:-}
	local -a values
	case $opt in
	-f | --format) values=(text csv json bodyfile) ;;
	--overwritten) values=(raw zero eio) ;;
	--bitlocker) values=(native libbde) ;;
	--sector-size) values=(512 1024 2048 4096) ;;
	--deep) [[ -n $prefix ]] || return 1; values=(all) ;;
	--snapshots) [[ -n $prefix ]] || return 1; values=(off) ;;
	-x | --extract) _restorefs_files "${tok#"$prefix"}" -d; return 0 ;;
	--password-file | --recovery-password-file | --startup-key | --key-file)
		_restorefs_files "${tok#"$prefix"}"; return 0 ;;
	--name | --min-size | --max-size | --min-recoverable | --start-sector | --boot-sector | \
		--offset | --partition | --password-fd | --deleted-after | --deleted-before)
		COMPREPLY=(); return 0 ;;
	*) return 1 ;;
	esac
	_restorefs_reply "$tok" "${values[@]/#/$prefix}"
}

# -o uid=1000,ov -> the keys, or the values of the key being typed, after the last comma
_restorefs_o_list()
{
	local tok=$1
	local done_part=
	[[ $tok == *,* ]] && done_part=${tok%,*},
	local item=${tok##*,}
	if [[ $item == *=* ]]; then
		local key=${item%%=*}
		local -a values=()
		case $key in
		overwritten) values=(raw zero eio) ;;
		unreadable) values=(zero eio) ;;
		bitlocker) values=(native libbde) ;;
		sector_size) values=(512 1024 2048 4096) ;;
		deep) values=(all) ;;
		snapshots) values=(off) ;;
		password_file | recovery_password_file | startup_key | key_file)
			_restorefs_files "${item#*=}"; return ;;
		*) COMPREPLY=(); return ;;
		esac
		_restorefs_reply "$tok" "${values[@]/#/$done_part$key=}"
	else
		_restorefs_reply "$tok" "${_restorefs_o_keys[@]/#/$done_part}"
	fi
}

_restorefs_scan()
{
	local _rfs_tok _rfs_prev
	_restorefs_words
	local tok=$_rfs_tok prev=$_rfs_prev
	if [[ $tok == --*=* ]]; then
		_restorefs_value "${tok%%=*}" "$tok" "${tok%%=*}=" && return 0
	fi
	# the value of the option before: the candidates are whole words
	if [[ $prev == -* && $prev != *=* ]] && _restorefs_value "$prev" "$tok"; then
		return 0
	fi
	case $tok in
	-*) _restorefs_reply "$tok" "${_restorefs_scan_opts[@]}" -f -x -q -V -h ;;
	*) _restorefs_files "$tok" ;;
	esac
}

_restorefs_mount()
{
	local _rfs_tok _rfs_prev
	_restorefs_words
	local tok=$_rfs_tok prev=$_rfs_prev
	if [[ $prev == -o ]]; then
		_restorefs_o_list "$tok"
		return 0
	fi
	if [[ $tok == --*=* ]]; then
		_restorefs_value "${tok%%=*}" "$tok" "${tok%%=*}=" && return 0
	fi
	if [[ $prev == --* && $prev != *=* ]] && _restorefs_value "$prev" "$tok"; then
		return 0
	fi
	case $tok in
	-*) _restorefs_reply "$tok" "${_restorefs_mount_opts[@]}" -o -f -d -s -h -V ;;
	*) _restorefs_files "$tok" ;;
	esac
}

complete -F _restorefs_scan restorefs-scan
complete -F _restorefs_mount restorefs
