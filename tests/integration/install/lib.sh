# Sourced by the install tests: installs the build into a temporary prefix (meson install
# --destdir) and sets $dest (the destdir), $prefix_dir (dest + prefix), and PKG_CONFIG_PATH
# to a copy of the installed restorefs.pc whose prefix is $prefix_dir, as if installed there
# (PKG_CONFIG_SYSROOT_DIR would move glib's paths as well).
# usage: install_build BUILD_ROOT; the caller removes $work (its temporary directory).
install_build() {
	ib_build=$1
	dest=$work/dest
	meson install -C "$ib_build" --no-rebuild --quiet --destdir "$dest" >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log"; echo "FAIL: meson install --destdir"; exit 1; }
	ib_prefix=$(meson introspect "$ib_build" --buildoptions |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
	prefix_dir=$dest$ib_prefix
	ib_pc=$(find "$dest" -name restorefs.pc | head -n 1)
	[ -n "$ib_pc" ] || { echo "FAIL: no restorefs.pc installed"; exit 1; }
	mkdir -p "$work/pkgconfig"
	sed "s|^prefix=.*|prefix=$prefix_dir|" "$ib_pc" >"$work/pkgconfig/restorefs.pc"
	PKG_CONFIG_PATH=$work/pkgconfig
	export PKG_CONFIG_PATH
}
