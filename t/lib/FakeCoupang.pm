# FakeCoupang — the fake Coupang HTTPS server (t/fake-coupang/server.mjs) for one test.
#
#   use lib "$ENV{REVLENS_SRCDIR}/t/lib"; use FakeCoupang;
#   my $fc = FakeCoupang->start(dir => $tmpdir);   # certificates and logs go there
#   $fc->port; $fc->url;          # https://127.0.0.1:PORT (no trailing slash)
#   $fc->ca;                      # the test CA (ca.pem) the server certificate is signed by
#   $fc->spki;                    # base64 SHA-256 of the server key's SPKI, for Chromium's
#                                 # --ignore-certificate-errors-spki-list
#   $fc->log;                     # decoded GET /__log: [{method, path, query, at_ms, status}]
#   $fc->control('/__reset');     # POST; returns { status => N, body => '...' }
#   $fc->get('/vp/products/1001');# GET;  returns { status => N, body => '...', headers => {...} }
#   $fc->stop;                    # also on DESTROY and at END
#
# start() runs t/fake-coupang/mkcert.sh DIR (openssl), then node server.mjs on a free
# loopback port and waits (10 s at most) for its `listening PORT` line; it croaks with the
# server's stderr otherwise.  Requests go through curl --cacert (IO::Socket::SSL is not
# installed on the test machines; curl is).  The scenarios of each product id are listed
# at the top of server.mjs.
package FakeCoupang;

use strict;
use warnings;

use Carp qw(croak);
use File::Path qw(make_path);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep);
use Scalar::Util qw(weaken);
use RevlensTest ();

my %LIVE;

sub _node {
	my ($node) = grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '';
	croak 'FakeCoupang: node (Node.js 18 or later) is not on PATH' unless $node;
	return $node;
}

sub _slurp {
	my ($f) = @_;
	open(my $fh, '<', $f) or return '';
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub start {
	my ($class, %o) = @_;
	my $dir = $o{dir} or croak 'FakeCoupang->start: dir => DIR is required';
	make_path($dir);
	my $src = RevlensTest::srcdir() . '/t/fake-coupang';

	my $mk = RevlensTest::run_cmd(['sh', "$src/mkcert.sh", $dir]);
	croak "FakeCoupang: mkcert.sh failed (exit $mk->{exit}): $mk->{err}" if $mk->{exit} != 0;
	chomp(my $spki = _slurp("$dir/spki.txt"));
	croak "FakeCoupang: $dir/spki.txt is empty" unless $spki =~ /^[A-Za-z0-9+\/]{43}=$/;

	my $node = _node();
	my ($out, $err) = ("$dir/server.out", "$dir/server.err");
	my $pid = fork();
	croak "fork: $!" unless defined $pid;
	if ($pid == 0) {
		open(STDIN, '<', '/dev/null') or POSIX::_exit(127);
		open(STDOUT, '>', $out) or POSIX::_exit(127);
		open(STDERR, '>', $err) or POSIX::_exit(127);
		{ no warnings 'exec'; exec { $node } $node, "$src/server.mjs", '--port', '0', '--cert', "$dir/server.pem",
			'--key', "$dir/server.key", '--log', "$dir/requests.log"; }
		POSIX::_exit(127);
	}
	my $self = bless { pid => $pid, owner => $$, dir => $dir, spki => $spki }, $class;
	$LIVE{"$self"} = $self;
	weaken($LIVE{"$self"});

	for (1 .. 200) {
		if (_slurp($out) =~ /^listening (\d+)$/m) {
			$self->{port} = $1;
			return $self;
		}
		last if waitpid($pid, POSIX::WNOHANG()) == $pid;
		sleep 0.05;
	}
	my $msg = "FakeCoupang: server.mjs did not start: " . _slurp($err);
	$self->stop;
	croak $msg;
}

sub port { $_[0]{port} }
sub url  { "https://127.0.0.1:$_[0]{port}" }
sub ca   { "$_[0]{dir}/ca.pem" }
sub spki { $_[0]{spki} }
sub dir  { $_[0]{dir} }

# $fc->request(METHOD, PATH) → { status, body, headers => { lower-case name => value } }
sub request {
	my ($self, $method, $path) = @_;
	my $hdr = "$self->{dir}/curl-headers.$$";
	my $r = RevlensTest::run_cmd(['curl', '-sS', '--max-time', '10', '--cacert', $self->ca,
		'-X', $method, '-D', $hdr, '-w', "\n%{http_code}", $self->url . $path]);
	croak "FakeCoupang: curl $method $path failed (exit $r->{exit}): $r->{err}" if $r->{exit} != 0;
	my ($body, $status) = $r->{out} =~ /\A(.*)\n(\d{3})\z/s
		or croak "FakeCoupang: curl $method $path: unexpected output";
	my %h;
	for my $l (split /\r?\n/, _slurp($hdr)) {
		$h{lc $1} = $2 if $l =~ /^([A-Za-z0-9-]+):\s*(.*?)\s*$/;
	}
	unlink $hdr;
	return { status => $status, body => $body, headers => \%h };
}

sub get     { $_[0]->request('GET', $_[1]) }
sub control { $_[0]->request('POST', $_[1]) }

sub log {
	my ($self) = @_;
	my $r = $self->get('/__log');
	croak "FakeCoupang: /__log answered $r->{status}" if $r->{status} != 200;
	return JSON::PP->new->utf8->decode($r->{body});
}

sub stop {
	my ($self) = @_;
	return if $self->{stopped} || !$self->{pid} || $self->{owner} != $$;
	$self->{stopped} = 1;
	delete $LIVE{"$self"};
	local ($?, $!);
	kill 'TERM', $self->{pid};
	for (1 .. 100) {
		return if waitpid($self->{pid}, POSIX::WNOHANG()) != 0;
		sleep 0.05;
	}
	kill 'KILL', $self->{pid};
	waitpid($self->{pid}, 0);
}

sub DESTROY { $_[0]->stop }

END {
	$_->stop for grep { defined } values %LIVE;
}

1;
