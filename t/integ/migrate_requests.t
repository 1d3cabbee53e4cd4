# sql/007 on a database that already has requests: where several requests were active for
# one product (allowed before 007, one per user), the oldest keeps them all and the others
# are cancelled, so the one-active-request-per-product index can be built.
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use File::Copy qw(copy);
use File::Temp qw(tempdir);

my $s = RevlensTest->start(migrate => 0, web => 0);
my $src = RevlensTest::srcdir();
my $old = tempdir(CLEANUP => 1);
chmod 0755, $old;
copy("$src/sql/$_", "$old/$_") or die "$_: $!" for map { (split m{/})[-1] } glob "$src/sql/00[1-6]_*.sql";
my $r = $s->cli('migrate', '--sql-dir', $old, '--mongo-dir', "$src/mongo-indexes");
is($r->{exit}, 0, 'migrations up to 006 applied') or diag($r->{err});
$s->psql(q{INSERT INTO users (email, password_hash, display_name) VALUES
	('a@example.com', 'x', 'a'), ('b@example.com', 'x', 'b'), ('c@example.com', 'x', 'c')});
$s->psql(q{INSERT INTO products (coupang_product_id, url) VALUES (1, 'https://www.coupang.com/vp/products/1'),
	(2, 'https://www.coupang.com/vp/products/2')});
$s->psql(q{INSERT INTO analysis_requests (user_id, product_id, requested_at) VALUES
	(1, 1, now() - interval '3 minutes'), (2, 1, now() - interval '2 minutes'), (3, 1, now() - interval '1 minute'),
	(1, 2, now())});
$r = $s->cli('migrate', '--sql-dir', "$src/sql", '--mongo-dir', "$src/mongo-indexes");
is($r->{exit}, 0, '007 applies over three active requests for one product') or diag($r->{err});
is($s->psql(q{SELECT string_agg(id || ':' || status, ',' ORDER BY id) FROM analysis_requests}),
	'1:queued,2:cancelled,3:cancelled,4:queued', 'the oldest stays, the others are cancelled');
is($s->psql(q{SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM analysis_request_users
	WHERE request_id = 1 AND cancelled_at IS NULL}), '1,2,3', 'their users wait on the oldest');
is($s->psql(q{SELECT count(*) FROM analysis_requests WHERE status = 'cancelled' AND finished_at IS NOT NULL}), 2,
	'the cancelled ones say when');
ok(!eval { $s->psql(q{INSERT INTO analysis_requests (user_id, product_id) VALUES (2, 1)}); 1 },
	'and a second active request for the product is refused now');
done_testing();
