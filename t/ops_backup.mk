# Tests of issue 14 (operations): backup. Owned by whoever builds that part.
