# RevlensTest — integration-test harness: one private revlens stack per test file.
#
#   use lib "$ENV{REVLENS_SRCDIR}/t/lib"; use RevlensTest; use Test::More;
#   my $s = RevlensTest->start(workers => 2, max_body => 65536, conf_append => "...");
#   my $res = $s->get('/healthz');          # HTTP::Tiny response hash
#
# start() makes a fresh rundir /var/tmp/revlens-test.XXXXXX (0755: postgres and www-data
# must reach it, and the work tree may sit under /root), picks a random base port whose
# five ports (http, pg, redis, mongo, cache) are free, runs `scripts/stack up` with the Mongo
# stand-in's memory backend (mongo_backend => 'h2' for one that survives a restart), no
# analysis worker unless worker => 1, no WAL archiving unless backup => 1 (scripts/backup
# and scripts/restore need it), and (migrate => 1, the default) `revlens migrate`.  Redis
# is two servers (scripts/stack): port('redis') keeps sessions and the queue,
# port('cache') the cache and nchan's channels; redis_cli() picks the server.  The stack
# is stopped and the rundir removed when the object is destroyed or at END, only in the
# process that started it (a forked child never tears it down).  REVLENS_TEST_KEEP=1
# keeps the rundir for post-mortems.  Core modules only.
package RevlensTest;

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir tempfile);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use Scalar::Util qw(weaken);

my $REPO = abs_path(dirname(abs_path(__FILE__)) . '/../..');
our $SRCDIR   = $ENV{REVLENS_SRCDIR}   || $REPO;
our $BUILDDIR = $ENV{REVLENS_BUILDDIR} || $REPO;
our $STACK    = "$SRCDIR/scripts/stack";

my %LIVE;    # refaddr => object, for END

my %DEFAULTS = (
	workers     => 2,
	max_body    => 1048576,
	conf_append => '',
	migrate     => 1,
	web         => 1,
	mongo_heap  => '256m',
	mongodb_uri => undef,    # an external MongoDB instead of the stand-in
	mongo_backend => 'memory',    # or 'h2': the stand-in keeps its data across a restart
	worker      => 0,        # 1: the stack runs revlens-worker too (logs/worker.log)
	backup      => 0,        # 1: PostgreSQL archives its WAL to pgBackRest (REVLENS_PG_ARCHIVE)
);

# ---------------------------------------------------------------- class helpers

sub srcdir   { $SRCDIR }
sub builddir { $BUILDDIR }

# True when the binaries exist (tests may plan skip_all without them).
sub have_web { -x "$BUILDDIR/revlens-web" }
sub have_cli { -x "$BUILDDIR/revlens" }

# run_cmd(\@argv, env => {K => V or undef to delete}, stdin => STRING)
# Runs a command without a shell; returns { exit => N, out => '...', err => '...' }.
# exit is the exit status, or 128 + signal number when killed.
sub run_cmd {
	my ($argv, %o) = @_;
	my ($ofh, $ofile) = tempfile('revlens-test-out.XXXXXX', TMPDIR => 1, UNLINK => 1);
	my ($efh, $efile) = tempfile('revlens-test-err.XXXXXX', TMPDIR => 1, UNLINK => 1);
	my ($ifh, $ifile);
	if (defined $o{stdin}) {
		($ifh, $ifile) = tempfile('revlens-test-in.XXXXXX', TMPDIR => 1, UNLINK => 1);
		binmode $ifh;
		print {$ifh} $o{stdin};
		close $ifh;
	}
	my $pid = fork();
	croak "fork: $!" unless defined $pid;
	if ($pid == 0) {
		my $env = $o{env} || {};
		for my $k (keys %$env) {
			if (defined $env->{$k}) { $ENV{$k} = $env->{$k} } else { delete $ENV{$k} }
		}
		open(STDIN, '<', defined $ifile ? $ifile : '/dev/null') or POSIX::_exit(127);
		open(STDOUT, '>&', $ofh) or POSIX::_exit(127);
		open(STDERR, '>&', $efh) or POSIX::_exit(127);
		{ no warnings 'exec'; exec { $argv->[0] } @$argv; }
		print STDERR "exec $argv->[0]: $!\n";
		POSIX::_exit(127);
	}
	waitpid($pid, 0);
	my $st = $?;
	my $exit = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
	return { exit => $exit, out => _slurp($ofile), err => _slurp($efile) };
}

# run_stack(\%env, @args): scripts/stack with exactly these REVLENS_* settings
# (every other REVLENS_* variable of the caller is removed).
sub run_stack {
	my ($env, @args) = @_;
	my %e = map { $_ => undef } grep { /^REVLENS_/ && !/^REVLENS_(SRCDIR|BUILDDIR)$/ } keys %ENV;
	%e = (%e, %$env);
	return run_cmd([$STACK, @args], env => \%e);
}

# A base port P with P..P+4 free on 127.0.0.1 (bind-tested), P a multiple of 8 (so two
# stacks' ranges never overlap).  Drawn from 20000..32767: below Linux's ephemeral range
# (32768..60999), so an outgoing connection cannot grab one of our ports between the
# probe and the start.
sub free_base_port {
	my ($lo, $hi) = (20000, 32760);
	for (1 .. 200) {
		my $base = $lo + 8 * int(rand(($hi - $lo) / 8));
		my @held;
		my $ok = 1;
		for my $p ($base .. $base + 4) {
			my $sock = IO::Socket::INET->new(
				LocalAddr => '127.0.0.1', LocalPort => $p, Proto => 'tcp',
				Listen => 1, ReuseAddr => 1);
			if (!$sock) { $ok = 0; last }
			push @held, $sock;
		}
		close $_ for @held;
		return $base if $ok;
	}
	croak "RevlensTest: no free port range found";
}

# ---------------------------------------------------------------- start / stop

sub start {
	my ($class, %opt) = @_;
	for my $k (keys %opt) {
		croak "RevlensTest->start: unknown option '$k'" unless exists $DEFAULTS{$k};
	}
	my %o = (%DEFAULTS, %opt);
	if ($o{web} && !have_web()) {
		croak "RevlensTest: $BUILDDIR/revlens-web is not built (run make, or start with web => 0)";
	}
	if ($o{migrate} && !have_cli()) {
		croak "RevlensTest: $BUILDDIR/revlens is not built (run make, or start with migrate => 0)";
	}
	croak "RevlensTest must run as root (the stack runs services as postgres and www-data)"
		unless $> == 0;

	my $rundir = tempdir('revlens-test.XXXXXX', DIR => '/var/tmp', CLEANUP => 0);
	chmod 0755, $rundir or croak "chmod $rundir: $!";

	my $self = bless {
		rundir => $rundir,
		owner  => $$,
		opt    => \%o,
		http   => HTTP::Tiny->new(
			max_redirect => 0, timeout => 60, agent => 'revlens-test/1', keep_alive => 1),
	}, $class;
	$LIVE{"$self"} = $self;
	weaken($LIVE{"$self"});    # END stops what is still alive; DESTROY the rest
	_install_signal_handlers();

	my $res;
	for my $try (1 .. 3) {
		$self->{port} = free_base_port();
		$res = $self->stack('up');
		last if $res->{exit} == 0;
		# another process took one of our ports between the probe and the start: retry
		last unless $res->{err} =~ /already in use/;
		$self->stack('down');
	}
	if ($res->{exit} != 0) {
		my $msg = "RevlensTest: scripts/stack up failed (exit $res->{exit}):\n$res->{out}$res->{err}";
		$self->stop;
		croak $msg;
	}
	if ($o{migrate}) {
		my $m = $self->cli('migrate', '--sql-dir', "$SRCDIR/sql", '--mongo-dir', "$SRCDIR/mongo-indexes");
		if ($m->{exit} != 0) {
			my $msg = "RevlensTest: revlens migrate failed (exit $m->{exit}):\n$m->{out}$m->{err}";
			$self->stop;
			croak $msg;
		}
	}
	return $self;
}

# The environment that scripts/stack sees for this stack.
sub stack_env {
	my ($self) = @_;
	my $o = $self->{opt};
	my %env = (
		REVLENS_RUNDIR        => $self->{rundir},
		REVLENS_PORT          => $self->{port},
		REVLENS_MONGO_BACKEND => $o->{mongo_backend},
		REVLENS_STACK_WORKER  => $o->{worker} ? 1 : 0,
		REVLENS_BUILDDIR      => $BUILDDIR,
		REVLENS_WEB_WORKERS   => $o->{workers},
		REVLENS_MAX_BODY      => $o->{max_body},
		# the test suite alone hashes passwords at libsodium's minimum cost
		REVLENS_CONF_APPEND   => "auth.pwhash_opslimit = 1\nauth.pwhash_memlimit = 8192\n$o->{conf_append}",
		REVLENS_STACK_NO_WEB  => $o->{web} ? 0 : 1,
		REVLENS_MONGO_HEAP    => $o->{mongo_heap},
		REVLENS_PG_FAST       => 1,
		REVLENS_PG_ARCHIVE    => $o->{backup} ? 1 : 0,
		REVLENS_CACHE_MAXMEMORY => '32mb',
	);
	$env{REVLENS_MONGODB_URI} = $o->{mongodb_uri} if defined $o->{mongodb_uri};
	return \%env;
}

# $s->stack(@args): scripts/stack on this stack; returns { exit, out, err }.
sub stack {
	my ($self, @args) = @_;
	return run_stack($self->stack_env, @args);
}

sub stop {
	my ($self) = @_;
	return if $self->{stopped} || !$self->{owner} || $self->{owner} != $$;
	$self->{stopped} = 1;
	delete $LIVE{"$self"};
	local ($?, $!, $@);
	my $passing = eval { require Test::Builder; Test::Builder->new->is_passing } // 1;
	if (!$passing && -d $self->{rundir}) {
		$self->_diag_logs;
	}
	my $res = $self->stack('down');
	if ($res->{exit} != 0) {
		_diag("RevlensTest: scripts/stack down failed (exit $res->{exit}); keeping $self->{rundir}\n"
			. $res->{out} . $res->{err});
		return;
	}
	if ($ENV{REVLENS_TEST_KEEP}) {
		_diag("RevlensTest: keeping $self->{rundir} (REVLENS_TEST_KEEP)");
		return;
	}
	remove_tree($self->{rundir});
}

sub DESTROY {
	my ($self) = @_;
	$self->stop if $self->{owner};
}

END {
	local $?;
	$_->stop for grep { defined } values %LIVE;
}

my $handlers_installed;
sub _install_signal_handlers {
	return if $handlers_installed++;
	my %num = (HUP => 1, INT => 2, TERM => 15);
	for my $sig (sort keys %num) {
		next if defined $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
		# exit (not die) so that END stops every stack this process started
		$SIG{$sig} = sub { _diag("RevlensTest: caught SIG$sig, stopping the stack"); exit 128 + $num{$sig} };
	}
}

# ---------------------------------------------------------------- accessors

sub rundir { $_[0]{rundir} }
sub conf   { "$_[0]{rundir}/revlens.conf" }

my %PORT_OFFSET = (http => 0, pg => 1, redis => 2, mongo => 3, cache => 4);
sub port {
	my ($self, $what) = @_;
	$what //= 'http';
	croak "RevlensTest->port: unknown '$what'" unless exists $PORT_OFFSET{$what};
	return $self->{port} + $PORT_OFFSET{$what};
}

# The revlens-web master PID from its pidfile (undef when there is none).
sub web_pid {
	my ($self) = @_;
	my $f = "$self->{rundir}/web/revlens-web.pid";
	open(my $fh, '<', $f) or return undef;
	my $pid = <$fh>;
	return undef unless defined $pid && $pid =~ /^(\d+)/;
	return $1;
}

# ---------------------------------------------------------------- HTTP

sub url {
	my ($self, $path) = @_;
	$path //= '/';
	$path = "/$path" unless $path =~ m{^/};
	return "http://127.0.0.1:$self->{port}$path";
}

# request($method, $path, \%opts): %opts as for HTTP::Tiny->request (headers, content).
# Redirects are not followed; timeout 10 s.
sub request {
	my ($self, $method, $path, $opts) = @_;
	return $self->{http}->request($method, $self->url($path), $opts || {});
}

sub get {
	my ($self, $path, $headers) = @_;
	return $self->request('GET', $path, { headers => $headers || {} });
}

# post($path, $body, \%headers): Content-Type defaults to application/x-www-form-urlencoded.
sub post {
	my ($self, $path, $body, $headers) = @_;
	my %h = %{ $headers || {} };
	$h{'content-type'} = 'application/x-www-form-urlencoded'
		unless grep { lc($_) eq 'content-type' } keys %h;
	return $self->request('POST', $path, { headers => \%h, content => $body // '' });
}

# ---------------------------------------------------------------- tools

# cli(@args) or cli({ stdin => '...', env => {...} }, @args):
# runs "$BUILDDIR/revlens -c CONF @args"; returns { exit => N, out => '...', err => '...' }.
sub cli {
	my ($self, @args) = @_;
	my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	return run_cmd(["$BUILDDIR/revlens", '-c', $self->conf, @args], %o);
}

# psql($sql): psql -At as user revlens on the stack's database; returns stdout without
# its final newline; dies with psql's message on error.
sub psql {
	my ($self, $sql) = @_;
	my $psql = -x '/usr/lib/postgresql/15/bin/psql' ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
	my $r = run_cmd([$psql, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
		'-h', '127.0.0.1', '-p', $self->port('pg'), '-U', 'revlens', '-d', 'revlens',
		'-c', $sql], env => { PGPASSWORD => undef, PGOPTIONS => undef });
	croak "psql failed (exit $r->{exit}): $r->{err}" if $r->{exit} != 0;
	(my $out = $r->{out}) =~ s/\n\z//;
	return $out;
}

# redis_cli(@args) or redis_cli({ server => 'redis'|'cache' }, @args): redis-cli against
# one of the stack's two Redis servers; stdout without its final newline.  Without a
# server named: a key of the cache role ("c:…") goes to the cache server, `--scan` and
# KEYS ask both servers (their answers joined), everything else goes to the server of
# sessions and the queue.
sub redis_cli {
	my ($self, @args) = @_;
	my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my @servers;
	if (defined $o{server}) {
		croak "redis_cli: unknown server '$o{server}'" unless $o{server} =~ /^(redis|cache)$/;
		@servers = ($o{server});
	} elsif (@args && ($args[0] eq '--scan' || lc $args[0] eq 'keys')) {
		@servers = qw(redis cache);
	} elsif (grep { /^c:/ } @args[1 .. $#args]) {
		@servers = ('cache');
	} else {
		@servers = ('redis');
	}
	my @out;
	for my $srv (@servers) {
		my $r = run_cmd(['redis-cli', '-h', '127.0.0.1', '-p', $self->port($srv), @args]);
		croak "redis-cli failed (exit $r->{exit}): $r->{err}" if $r->{exit} != 0;
		(my $out = $r->{out}) =~ s/\n\z//;
		push @out, $out if length $out || @servers == 1;
	}
	return join "\n", @out;
}

# add_user($name): creates "$name\@example.com" with `revlens user add` (password
# "$name pass phrase 2026") and logs it in twice: an API token and a browser session.
# Returns { email, password, token, cookie => 'rl_session=…', csrf => the session's
# CSRF token }. Dies when any step fails.
sub add_user {
	my ($self, $name) = @_;
	my $email = "$name\@example.com";
	my $pw = "$name pass phrase 2026";
	my $r = $self->cli({ stdin => "$pw\n" }, 'user', 'add', $email);
	croak "user add $email: $r->{err}" if $r->{exit} != 0;
	(my $qemail = $email) =~ s/\@/%40/;
	(my $qpw = $pw) =~ s/ /+/g;
	my $t = $self->request('POST', '/api/auth/token', { headers => { 'content-type' => 'application/json' },
		content => qq({"email":"$email","password":"$pw"}) });
	my ($token) = ($t->{content} // '') =~ /"token":"([^"]+)"/;
	my $g = $self->get('/login');
	my ($csrf) = ($g->{content} // '') =~ /name="csrf" value="([^"]+)"/;
	my ($ck) = ($g->{headers}{'set-cookie'} // '') =~ /(rl_csrf=[^;]+)/;
	my $origin = 'http://127.0.0.1:' . $self->port;
	my $l = $self->post('/login', "csrf=$csrf&email=$qemail&password=$qpw", { cookie => $ck, origin => $origin });
	my $set = $l->{headers}{'set-cookie'} // '';
	my ($sess) = (ref $set ? join(' ', @$set) : $set) =~ /(rl_session=[^;]+)/;
	my ($scsrf) = $sess ? ($self->get('/me', { cookie => $sess })->{content} // '') =~ /name="csrf" value="([^"]+)"/ : ();
	croak "add_user $name: could not log in" unless $token && $sess && $scsrf;
	return { email => $email, password => $pw, token => $token, cookie => $sess, csrf => $scsrf };
}

# login($email, $password): the HTML form log-in of a browser (GET /login for the CSRF
# token and cookie, POST /login from this site's origin); returns the 'rl_session=…'
# cookie, or undef when the log-in did not succeed.
sub login {
	my ($self, $email, $pw) = @_;
	my $q = sub { (my $v = shift) =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge; $v };
	my $g = $self->get('/login');
	my ($csrf) = ($g->{content} // '') =~ /name="csrf" value="([^"]+)"/;
	my ($ck) = ($g->{headers}{'set-cookie'} // '') =~ /(rl_csrf=[^;]+)/;
	return undef unless $csrf && $ck;
	my $l = $self->post('/login', 'csrf=' . $q->($csrf) . '&email=' . $q->($email) . '&password=' . $q->($pw),
		{ cookie => $ck, origin => 'http://127.0.0.1:' . $self->port });
	return undef unless $l->{status} =~ /^30[123]$/;
	my $set = $l->{headers}{'set-cookie'} // '';
	my ($sess) = (ref $set ? join(' ', @$set) : $set) =~ /(rl_session=[^;]+)/;
	return $sess;
}

# An ingest token (docs/ingest.md) for the user with this e-mail (made by add_user or
# `revlens user add`): `revlens token create --ingest`, which prints the token alone on
# its first line. Options: create_products => 0, name => '...'.
sub ingest_token {
	my ($self, $email, %o) = @_;
	my @args = ('token', 'create', '--ingest', '--user', $email);
	push @args, '--name', $o{name} if defined $o{name};
	push @args, '--no-create-products' if defined $o{create_products} && !$o{create_products};
	my $r = $self->cli(@args);
	croak "token create for $email: $r->{err}" if $r->{exit} != 0;
	my ($tok) = $r->{out} =~ /^(rli_[A-Za-z0-9_-]{43})$/m;
	croak "token create for $email printed no token: $r->{out}" unless $tok;
	return $tok;
}

# An ingest token of the crawlers' service account "$name\@example.com": made by
# add_user, then made an administrator (its crawl messages are shown as sent and reach
# any request's live progress: docs/ingest.md).
sub service_token {
	my ($self, $name) = @_;
	my $u = $self->add_user($name);
	my $r = $self->cli('user', 'set-role', $u->{email}, 'admin');
	croak "set-role $u->{email} admin: $r->{err}" if $r->{exit} != 0;
	return $self->ingest_token($u->{email});
}

# write_file($path, $bytes, $mode?) and read_file($path): raw bytes, dying on errors.
sub write_file {
	my ($f, $text, $mode) = @_;
	open(my $fh, '>:raw', $f) or croak "$f: $!";
	print {$fh} $text;
	close $fh or croak "$f: $!";
	chmod $mode, $f or croak "chmod $f: $!" if defined $mode;
	return 1;
}
sub read_file {
	my ($f) = @_;
	open(my $fh, '<:raw', $f) or croak "$f: $!";
	local $/;
	return scalar <$fh>;
}

# stop_service($name), start_service($name): scripts/stack stop-service / start-service.
# 'redis' here means all of Redis, both servers (scripts/stack's services redis and
# redis-cache); $s->stack('stop-service', 'redis') stops the durable one alone.
sub stop_service {
	my ($self, $name) = @_;
	for my $svc ($name eq 'redis' ? qw(redis redis-cache) : ($name)) {
		my $r = $self->stack('stop-service', $svc);
		croak "scripts/stack stop-service $svc failed: $r->{out}$r->{err}" if $r->{exit} != 0;
	}
	return 1;
}

sub start_service {
	my ($self, $name) = @_;
	for my $svc ($name eq 'redis' ? qw(redis redis-cache) : ($name)) {
		my $r = $self->stack('start-service', $svc);
		croak "scripts/stack start-service $svc failed: $r->{out}$r->{err}" if $r->{exit} != 0;
	}
	return 1;
}

# Lines of the nginx error log and the web logs that signal a bug: [alert], [emerg],
# sanitizer reports.  A test ends with is_deeply([$s->log_alarms], []).
my $ALARM = qr/\[alert\]|\[emerg\]|AddressSanitizer|runtime error:|LeakSanitizer/;
sub log_alarms {
	my ($self) = @_;
	my @lines;
	for my $f (map { "$self->{rundir}/logs/$_" } qw(nginx-error.log web.log web.out)) {
		open(my $fh, '<', $f) or next;
		while (my $l = <$fh>) {
			chomp $l;
			push @lines, $l if $l =~ $ALARM;
		}
	}
	return @lines;
}

# ---------------------------------------------------------------- internals

sub _slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return '';
	binmode $fh;
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub _diag {
	my ($msg) = @_;
	if (eval { require Test::More; 1 } && Test::Builder->can('new')) {
		Test::More::diag($msg);
	} else {
		print STDERR "# $msg\n";
	}
}

sub _diag_logs {
	my ($self) = @_;
	for my $f (qw(web.out web.log nginx-error.log postgres.log)) {
		my $path = "$self->{rundir}/logs/$f";
		next unless -s $path;
		my @l = split /\n/, _slurp($path);
		@l = @l[-20 .. -1] if @l > 20;
		_diag("--- last lines of $path\n" . join("\n", @l));
	}
}

1;
