# Tests of issue 14 (operations): stats. Owned by whoever builds that part.
