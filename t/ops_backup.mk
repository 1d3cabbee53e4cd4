# Tests of issue 14 (operations): backup. Owned by whoever builds that part.
TESTS += t/integ/dump.t
EXTRA_DIST += t/integ/dump.t
