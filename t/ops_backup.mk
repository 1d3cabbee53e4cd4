# Tests of issue 14 (operations): backup. Owned by whoever builds that part.
TESTS += t/integ/dump.t
EXTRA_DIST += t/integ/dump.t
# The restore drills (docs/backup.md): each starts its own stack with WAL archiving,
# fills it, backs it up with scripts/backup and restores one store with scripts/restore.
TESTS += t/integ/backup_postgres.t t/integ/backup_redis.t t/integ/backup_mongo.t
EXTRA_DIST += t/integ/backup_postgres.t t/integ/backup_redis.t t/integ/backup_mongo.t t/integ/backup_common.pl scripts/backup scripts/restore
