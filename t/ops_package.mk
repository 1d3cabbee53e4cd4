# Tests of issue 14 (operations): packaging (docs/packaging.md).
# What make builds for an install (units, site, configuration): seconds, no servers.
# The tarball and the .deb are checked beside the suite by scripts/test (scripts/distcheck,
# scripts/package-test): they take minutes.
TESTS += t/integ/package_files.t
