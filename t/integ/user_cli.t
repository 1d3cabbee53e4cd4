# t/integ/user_cli.t — `revlens user add` and `revlens user set-role` against a real
# PostgreSQL: the sign-up rules apply, the password comes from stdin only and never shows
# in the output, refused input creates no row, exit codes 0 / 1 / 2 as in src/cli/main.c.
use strict;
use warnings;

use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use File::Temp qw(tempfile);
use Test::More;
use RevlensTest;

plan skip_all => 'revlens is not built' unless RevlensTest::have_cli();

my $s = RevlensTest->start(web => 0);
my @seen;    # every stdout and stderr, searched for passwords at the end

sub add {
	my ($stdin, @args) = @_;
	my $r = $s->cli({ stdin => $stdin }, 'user', 'add', @args);
	push @seen, $r->{out}, $r->{err};
	return $r;
}

sub users { $s->psql('SELECT count(*) FROM users') }

# Does the stored Argon2id string verify against pw? libsodium through python3's ctypes
# (both optional); undef when that is not available here.
sub verifies {
	my ($hash, $pw) = @_;
	my ($fh, $file) = tempfile('revlens-user-t.XXXXXX', TMPDIR => 1, UNLINK => 1);
	binmode $fh;
	print {$fh} "$hash\n$pw";
	close $fh;
	my $py = <<'PY';
import ctypes, ctypes.util, sys
lib = ctypes.util.find_library("sodium")
if not lib: sys.exit(3)
na = ctypes.CDLL(lib)
if na.sodium_init() < 0: sys.exit(3)
h, pw = open(sys.argv[1], "rb").read().split(b"\n", 1)
sys.exit(0 if na.crypto_pwhash_str_verify(h, pw, ctypes.c_ulonglong(len(pw))) == 0 else 1)
PY
	my $r = RevlensTest::run_cmd(['python3', '-c', $py, $file]);
	return $r->{exit} == 0 ? 1 : $r->{exit} == 1 ? 0 : undef;
}

my $pw = 'correct horse battery';
my $r;

# ---- add: the password from stdin, e-mail normalised, nickname from the e-mail
$r = add("$pw\n", 'Alice.Kim@Example.COM');
is($r->{exit}, 0, 'user add exits 0') or diag($r->{err});
like($r->{out}, qr/^created user (\d+) \(alice\.kim\@example\.com, user\)\n\z/, 'prints the id, e-mail and role');
my ($alice) = $r->{out} =~ /created user (\d+)/;
is($s->psql("SELECT email || '|' || role || '|' || display_name || '|' || status FROM users WHERE id = " . ($alice // 0)),
	'alice.kim@example.com|user|alice.kim|active', 'row: lower-case e-mail, role user, nickname before @');
is($s->psql('SELECT count(*) FROM user_profiles WHERE user_id = ' . ($alice // 0)), 1, 'a user_profiles row');
my $hash = $s->psql('SELECT password_hash FROM users WHERE id = ' . ($alice // 0));
like($hash, qr/^\$argon2id\$/, 'password_hash is an Argon2id string');
like($hash, qr/^\$argon2id\$v=19\$m=8,t=1,p=1\$/, 'hashed at the configured cost (memlimit 8192, opslimit 1)');
SKIP: {
	my $ok = verifies($hash, $pw);
	skip 'python3 with libsodium not available to verify the hash', 2 unless defined $ok;
	ok($ok, 'the stored hash verifies with the password (line end not included)');
	ok(!verifies($hash, "$pw\n"), '... and not with the newline');
}

# ---- --admin, --name, CRLF line end
$r = add("$pw-2\r\n", '--admin', '--name', '관리자', 'root@example.org');
is($r->{exit}, 0, 'user add --admin --name exits 0') or diag($r->{err});
like($r->{out}, qr/^created user \d+ \(root\@example\.org, admin\)$/, '--admin reported');
is($s->psql("SELECT role || '|' || display_name FROM users WHERE email = 'root\@example.org'"),
	'admin|관리자', '--admin gives role admin, --name sets the nickname');
SKIP: {
	my $h = $s->psql("SELECT password_hash FROM users WHERE email = 'root\@example.org'");
	my $ok = verifies($h, "$pw-2");
	skip 'python3 with libsodium not available to verify the hash', 1 unless defined $ok;
	ok($ok, 'CRLF: the CR is not part of the password');
}
# nine characters and a CR: too short once the CR is stripped
$r = add(('x' x 9) . "\r\n", 'cr@example.org');
is($r->{exit}, 2, 'the CR of CRLF does not count towards the 10 characters');

# ---- nickname default cut to 30 characters on a character boundary
my $local = ('a' x 28) . '가나다';    # 31 characters, 37 bytes
$r = add("$pw\n", "$local\@example.net");
is($r->{exit}, 0, 'a long local part is accepted') or diag($r->{err});
is($s->psql("SELECT display_name FROM users WHERE email = '$local\@example.net'"), ('a' x 28) . '가나',
	'nickname cut to 30 characters, not inside a Hangul syllable');

my $count = users();
is($count, 3, 'three users so far');

# ---- duplicate, in another case: exit 1, nothing changed
my $before = $s->psql('SELECT id, email, role, display_name, password_hash FROM users ORDER BY id');
$r = add("another password 1\n", '--admin', 'ALICE.KIM@example.com');
is($r->{exit}, 1, 'duplicate e-mail (other case) exits 1');
like($r->{err}, qr/^revlens user add: alice\.kim\@example\.com is already registered$/m, 'says it is already registered');
is($r->{out}, '', 'nothing on stdout');
is($s->psql('SELECT id, email, role, display_name, password_hash FROM users ORDER BY id'), $before,
	'users unchanged');

# ---- refused input: exit 2, no row
my @refused = (
	['too-short password', "short1\n", 'bob@example.com'],
	['password equal to the e-mail', "bob\@example.com\n", 'bob@example.com'],
	['password equal to the e-mail in another case', "BOB\@Example.com\n", 'bob@example.com'],
	['empty password', "\n", 'bob@example.com'],
	['no password at all', '', 'bob@example.com'],
	['bad e-mail', "$pw\n", 'not-an-email'],
	['e-mail without a dot in the domain', "$pw\n", 'bob@localhost'],
	['missing EMAIL', "$pw\n"],
	['two EMAILs', "$pw\n", 'bob@example.com', 'carol@example.com'],
	['unknown option', "$pw\n", '--password', $pw, 'bob@example.com'],
	['--name without a value', "$pw\n", 'bob@example.com', '--name'],
	['nickname with a control character', "$pw\n", '--name', "a\tb", 'bob@example.com'],
);
for my $c (@refused) {
	my ($what, $in, @args) = @$c;
	$r = add($in, @args);
	is($r->{exit}, 2, "$what: exit 2");
	like($r->{err}, qr/^revlens user add: \S.*/m, "$what: says why on stderr");
	is($r->{out}, '', "$what: nothing on stdout");
}
like((add("short1\n", 'bob@example.com'))->{err}, qr/at least 10 characters/, 'too short: the rule in English');
like((add("$pw\n", 'not-an-email'))->{err}, qr/not a valid e-mail address/, 'bad e-mail: said in English');
like((add("$pw\n"))->{err}, qr/missing EMAIL/, 'missing EMAIL: said');
like((add("$pw\n", '--frobnicate', 'bob@example.com'))->{err}, qr/unknown option "--frobnicate"/,
	'unknown option: named');
is(users(), $count, 'no row created by any refused command');
is($s->psql("SELECT count(*) FROM users WHERE email LIKE 'bob%' OR email LIKE 'cr@%'"), 0, 'no bob');

# ---- the database unreachable: exit 1
{
	my ($fh, $conf) = tempfile('revlens-user-conf.XXXXXX', TMPDIR => 1, UNLINK => 1);
	open(my $in, '<', $s->conf) or die $s->conf . ": $!";
	my $port = RevlensTest::free_base_port();
	while (my $l = <$in>) {
		$l =~ s/\bport=\d+/port=$port/ if $l =~ /^\s*postgres\.conninfo\b/;
		print {$fh} $l;
	}
	close $fh;
	my $d = RevlensTest::run_cmd(["$ENV{REVLENS_BUILDDIR}/revlens", '-c', $conf, 'user', 'add', 'dave@example.com'],
		stdin => "$pw\n");
	push @seen, $d->{out}, $d->{err};
	is($d->{exit}, 1, 'database unreachable: exit 1');
	like($d->{err}, qr/^revlens user add: PostgreSQL: cannot connect/m, 'database unreachable: said');
}

# ---- set-role
$r = $s->cli('user', 'set-role', 'ALICE.KIM@EXAMPLE.COM', 'admin');
is($r->{exit}, 0, 'set-role admin exits 0') or diag($r->{err});
like($r->{out}, qr/^user $alice \(alice\.kim\@example\.com\) is now admin \(was user\)/, 'set-role reports the change');
is($s->psql("SELECT role FROM users WHERE id = $alice"), 'admin', 'role is admin');
$r = $s->cli('user', 'set-role', 'alice.kim@example.com', 'user');
is($r->{exit}, 0, 'set-role user exits 0');
is($s->psql("SELECT role FROM users WHERE id = $alice"), 'user', 'role is user again');
$r = $s->cli('user', 'set-role', 'alice.kim@example.com', 'user');
is($r->{exit}, 0, 'set-role to the same role exits 0');
like($r->{out}, qr/is already user/, '... and says so');
$r = $s->cli('user', 'set-role', 'nobody@example.com', 'admin');
is($r->{exit}, 1, 'set-role of an unknown e-mail exits 1');
like($r->{err}, qr/no such user/, '... saying no such user');
$r = $s->cli('user', 'set-role', 'alice.kim@example.com', 'root');
is($r->{exit}, 2, 'set-role with a bad role exits 2');
is($s->psql("SELECT role FROM users WHERE id = $alice"), 'user', '... and changes nothing');
is($s->cli('user', 'set-role', 'alice.kim@example.com')->{exit}, 2, 'set-role without a role exits 2');
is($s->cli('user')->{exit}, 2, 'user without a subcommand exits 2');
is($s->cli('user', 'delete', 'x@example.com')->{exit}, 2, 'unknown subcommand exits 2');

# ---- the passwords never appear in any output
my @secrets = ($pw, "$pw-2", 'another password 1', 'short1');
my @leaks = grep { my $o = $_; grep { index($o, $_) >= 0 } @secrets } @seen;
is_deeply(\@leaks, [], 'no password in any stdout or stderr');

done_testing();
