# Tests of issue 14 (operations): package. Owned by whoever builds that part.
