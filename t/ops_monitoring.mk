# Tests of issue 14 (operations): monitoring. Owned by whoever builds that part.
