# Sourced by every integration test (POSIX sh and bash alike).
#
# skip REASON...: the test cannot run here; exit 77, which meson reports as skipped. Under CI
# (CI=true) a test whose inputs or tools are missing fails instead: a run whose tests skip is
# not a passing run.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL ${TEST_NAME:-test}: $* (CI=true: missing inputs fail instead of skipping)"
		exit 1
	fi
	echo "SKIP ${TEST_NAME:-test}: $*"
	exit 77
}

# skip_unsupported REASON...: what the test needs is forbidden by the kernel where it runs
# (not a missing input or tool): exit 77 under CI too. For a chroot only, where Linux refuses
# new user namespaces; the caller checks that it is in one (in_chroot).
skip_unsupported() {
	echo "SKIP ${TEST_NAME:-test}: $*"
	exit 77
}

# in_chroot: true when / is not the root of process 1 (a chroot, as some CI runners use).
in_chroot() {
	[ "$(stat -c %d:%i / 2>/dev/null)" != "$(stat -c %d:%i /proc/1/root/. 2>/dev/null)" ]
}

# skip_part REASON...: one part of a test cannot run here; says so and returns 0. Under CI
# it says FAIL and returns 1, for the caller to count as a failure.
skip_part() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL ${TEST_NAME:-test}: $* (CI=true: missing inputs fail instead of skipping)"
		return 1
	fi
	echo "skip ${TEST_NAME:-test}: $*"
}
