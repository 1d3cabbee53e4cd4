# Accounts through nginx against the real servers: sign-up, log-in, sessions in Redis,
# cookie flags, fixation, CSRF and Origin, enumeration-safe answers, rate limits and
# their expiry, revocation on the next request, escaping, SQL metacharacters, password
# rules and changes, API tokens (JWT), the admin settings page.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Digest::SHA qw(sha256_hex hmac_sha256);
use Encode qw(encode decode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url decode_base64);
use Time::HiRes qw(sleep);
use Unicode::Normalize ();
use POSIX ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;

my $s = RevlensTest->start(workers => 2, conf_append => join("\n",
	'auth.login_account_limit = 3',
	'auth.login_address_limit = 12',
	'auth.signup_address_limit = 8',
	'auth.session_idle = 600',
	'auth.session_lifetime = 3600',
	'auth.token_ttl = 120'));
our $ORIGIN = 'http://127.0.0.1:' . $s->port;

# ------------------------------------------------------------------ a tiny browser
package Client {
	sub new { my ($class, $s) = @_; bless { s => $s, jar => {}, set => {} }, $class }
	sub enc {
		my ($v) = @_;
		$v = Encode::encode('UTF-8', $v) if utf8::is_utf8($v);
		$v =~ s/([^A-Za-z0-9\-_.~ ])/sprintf('%%%02X', ord $1)/ge;
		$v =~ tr/ /+/;
		return $v;
	}
	sub form { my (%f) = @_; join '&', map { enc($_) . '=' . enc($f{$_}) } sort keys %f }
	sub cookie { my ($self) = @_; join '; ', map { "$_=$self->{jar}{$_}" } sort keys %{ $self->{jar} } }
	sub request {
		my ($self, $method, $path, $body, $h) = @_;
		my %h = (%{ $h || {} });
		$h{cookie} = $self->cookie if %{ $self->{jar} } && !exists $h{cookie};
		delete $h{$_} for grep { !defined $h{$_} } keys %h;
		my $r = $self->{s}->request($method, $path, { headers => \%h,
			defined $body ? (content => $body) : () });
		my $sc = $r->{headers}{'set-cookie'};
		for my $c (ref $sc ? @$sc : defined $sc ? ($sc) : ()) {
			my ($n, $v) = $c =~ /^([^=]+)=([^;]*)/ or next;
			$self->{set}{$n} = $c;
			if ($c =~ /Max-Age=0\b/) { delete $self->{jar}{$n} } else { $self->{jar}{$n} = $v }
		}
		$r->{text} = Encode::decode('UTF-8', $r->{content} // '');
		($self->{csrf}) = $r->{text} =~ /name="csrf" value="([^"]+)"/ if $r->{text} =~ /name="csrf"/;
		return $r;
	}
	sub get { my ($self, $path, $h) = @_; $self->request('GET', $path, undef, $h) }
	# POST a form with the CSRF token of the last page and this site's Origin
	sub post {
		my ($self, $path, $fields, $h) = @_;
		my %f = (csrf => $self->{csrf} // '', %{ $fields || {} });
		delete $f{csrf} if !defined $f{csrf};
		return $self->request('POST', $path, form(%f), { 'content-type' => 'application/x-www-form-urlencoded',
			origin => $main::ORIGIN, %{ $h || {} } });
	}
}
$main::ORIGIN = $ORIGIN;

sub signup {
	my ($c, %f) = @_;
	$c->get('/signup');
	my $pw = $f{password} // '올바른 말 배터리 스테이플';
	return $c->post('/signup', { email => $f{email}, nickname => $f{nickname} // '테스터',
		password => $pw, password2 => $f{password2} // $pw });
}
sub login {
	my ($c, $email, $pw, $next) = @_;
	$c->get('/login');
	return $c->post('/login', { email => $email, password => $pw, defined $next ? (next => $next) : () });
}
sub sql { my ($sql) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $sql))) }
sub users { sql('SELECT count(*) FROM users') }
sub clear_limits { $s->redis_cli('EVAL', "for _, k in ipairs(redis.call('KEYS', 'rl:*')) do redis.call('DEL', k) end return 1", 0) }

my $PW = '올바른 말 배터리 스테이플';

# ------------------------------------------------------------------ pages and layout
{
	my $c = Client->new($s);
	my $r = $c->get('/');
	is($r->{status}, 200, 'GET / is the home page (no longer 404)');
	like($r->{text}, qr/<html lang="ko">/, 'home page is Korean');
	like($r->{text}, qr/href="\/signup"/, 'home links to sign-up');
	like($r->{text}, qr/href="\/static\/revlens\.css"/, 'one stylesheet');
	my $css = $s->get('/static/revlens.css');
	is($css->{status}, 200, 'the stylesheet is served');
	$r = $c->get('/no-such-page');
	is($r->{status}, 404, 'unknown page 404');
	like($r->{text}, qr/페이지를 찾을 수 없습니다/, '404 in Korean inside the layout');
	like($r->{text}, qr/class="topbar"/, 'error pages use the layout');
	$r = $c->get('/me');
	is($r->{status}, 303, '/me needs a login');
	is($r->{headers}{location}, '/login?next=%2Fme', 'and goes to the log-in page with next');
}

# ------------------------------------------------------------------ sign-up
my $alice = Client->new($s);
{
	my $r = $alice->get('/signup');
	is($r->{status}, 200, 'sign-up form');
	my $set = $alice->{set}{rl_csrf} // '';
	like($set, qr/HttpOnly/, 'anonymous CSRF cookie is HttpOnly');
	like($set, qr/SameSite=Lax/, '... and SameSite=Lax');
	ok($alice->{csrf} && $alice->{csrf} eq $alice->{jar}{rl_csrf}, 'the form carries the CSRF token');

	my $before = users();
	$r = $alice->post('/signup', { csrf => undef, email => 'alice@example.com', nickname => 'a',
		password => $PW, password2 => $PW });
	is($r->{status}, 403, 'sign-up without a CSRF token: 403');
	like($r->{text}, qr/보안 토큰/, '... with a Korean reason');
	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => 'a', password => $PW,
		password2 => $PW }, { origin => 'http://evil.example' });
	is($r->{status}, 403, 'sign-up from a foreign Origin: 403');
	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => 'a', password => $PW,
		password2 => $PW }, { origin => undef, referer => 'http://evil.example/page' });
	is($r->{status}, 403, 'no Origin but a foreign Referer: 403');
	$r = $alice->post('/signup', { csrf => 'A' x 43, email => 'alice@example.com', nickname => 'a',
		password => $PW, password2 => $PW });
	is($r->{status}, 403, 'a wrong CSRF token: 403');
	is(users(), $before, 'none of them created an account');

	# field errors keep the input and say what is wrong, next to the field
	$r = $alice->post('/signup', { email => 'not-an-email', nickname => '<b>x</b>', password => 'short',
		password2 => 'short' });
	is($r->{status}, 422, 'invalid sign-up: 422');
	like($r->{text}, qr/id="e-email">이메일 주소 형식이 올바르지 않습니다/, 'e-mail error beside the field');
	like($r->{text}, qr/id="e-password">비밀번호는 10자 이상이어야 합니다/, 'password length error');
	like($r->{text}, qr/name="email" type="email" value="not-an-email"/, 'typed e-mail kept');
	like($r->{text}, qr/value="&lt;b&gt;x&lt;\/b&gt;"/, 'typed nickname kept, escaped');
	unlike($r->{text}, qr/value="short"/, 'the password is never echoed');

	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => 'a',
		password => 'Alice@Example.com', password2 => 'Alice@Example.com' });
	like($r->{text}, qr/이메일과 같은 비밀번호/, 'a password equal to the e-mail is refused');
	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => 'a', password => $PW,
		password2 => "$PW!" });
	like($r->{text}, qr/id="e-password2">비밀번호가 서로 다릅니다/, 'confirmation must match');
	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => 'a',
		password => 'x' x 257, password2 => 'x' x 257 });
	like($r->{text}, qr/256바이트/, 'a password over 256 bytes is refused');
	$r = $alice->post('/signup', { email => 'alice@example.com', nickname => '가' x 31, password => $PW,
		password2 => $PW });
	like($r->{text}, qr/id="e-nickname">닉네임은 30자 이내/, 'a nickname over 30 characters is refused');
	$r = $alice->request('POST', '/signup', "csrf=$alice->{csrf}&email=a%40b.co&nickname=%FF%FE&password=x",
		{ 'content-type' => 'application/x-www-form-urlencoded', origin => $ORIGIN });
	is($r->{status}, 400, 'invalid UTF-8 in a field: 400');
	is(users(), $before, 'still no account');

	$r = $alice->post('/signup', { email => '  Alice@Example.COM ', nickname => '앨리스', password => $PW,
		password2 => $PW });
	is($r->{status}, 303, 'valid sign-up: 303');
	is($r->{headers}{location}, '/?welcome=1', '... to the home page');
	is(sql("SELECT email FROM users WHERE display_name = '앨리스'"), 'alice@example.com',
		'the e-mail is stored normalised');
	like(sql("SELECT password_hash FROM users WHERE email = 'alice\@example.com'"), qr/^\$argon2id\$/,
		'the password is an Argon2id hash');
	is(sql("SELECT timezone FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.email = 'alice\@example.com'"),
		'Asia/Seoul', 'a profile row with the Asia/Seoul time zone');
	my $set2 = $alice->{set}{rl_session} // '';
	like($set2, qr/^rl_session=[A-Za-z0-9_-]{43};/, 'a 256-bit session token in the cookie');
	like($set2, qr/; HttpOnly/, 'session cookie is HttpOnly');
	like($set2, qr/; SameSite=Lax/, 'session cookie is SameSite=Lax');
	like($set2, qr/; Path=\//, 'session cookie has Path=/');
	like($set2, qr/; Max-Age=3600/, 'session cookie lives for the absolute lifetime (survives a browser restart)');
	unlike($set2, qr/Secure/, 'no Secure flag over plain http');
	$r = $alice->get('/?welcome=1');
	like($r->{text}, qr/가입을 환영합니다/, 'welcome notice');
	like($r->{text}, qr/앨리스님/, 'the layout shows who is logged in');
	like($r->{text}, qr/action="\/logout"/, '... with a log-out button');

	my $c2 = Client->new($s);
	$r = signup($c2, email => 'ALICE@example.com');
	is($r->{status}, 409, 'the same e-mail in other case is taken: 409');
	like($r->{text}, qr/이미 가입된 이메일/, '... with a message beside the field');
}

# ------------------------------------------------------------------ the session in Redis
{
	my $tok = $alice->{jar}{rl_session};
	my $key = 's:' . sha256_hex($tok);
	is($s->redis_cli('EXISTS', $key), 1, 'Redis keeps the session under the hash of the token');
	is($s->redis_cli('--scan', '--pattern', "*$tok*"), '', 'the token itself is stored nowhere in Redis');
	my $ttl = $s->redis_cli('TTL', $key);
	ok($ttl > 500 && $ttl <= 600, "sliding expiry set to the idle time ($ttl)");
	$s->redis_cli('EXPIRE', $key, 100);
	$alice->get('/me');
	is($s->redis_cli('TTL', $key) <= 100, 1, 'within a minute of the last slide a request only reads');
	$s->redis_cli('HSET', $key, 'seen', time - 61);
	$alice->get('/me');
	$ttl = $s->redis_cli('TTL', $key);
	ok($ttl > 500, "a minute later a request slides the expiry forward again ($ttl)");
	ok($s->redis_cli('HGET', $key, 'seen') >= time - 2, '... and notes when');
	# the absolute lifetime caps the sliding expiry, and ends the session
	$s->redis_cli('HSET', $key, 'abs', time + 50, 'seen', time - 61);
	$alice->get('/me');
	$ttl = $s->redis_cli('TTL', $key);
	ok($ttl <= 50, "never past the absolute expiry ($ttl)");
	$s->redis_cli('HSET', $key, 'abs', time + 3000);
	my $old = Client->new($s);
	signup($old, email => 'old@example.com', nickname => '올드');
	my $okey = 's:' . sha256_hex($old->{jar}{rl_session});
	$s->redis_cli('HSET', $okey, 'abs', time - 1);
	is($old->get('/me')->{status}, 303, 'a session past its absolute lifetime is refused');
	is($s->redis_cli('EXISTS', $okey), 0, '... and its key deleted');
	# a session ended while a request slides it is not brought back
	$s->redis_cli('DEL', $okey);
	is($old->get('/me')->{status}, 303, 'an ended session stays ended');
	is($s->redis_cli('EXISTS', $okey), 0, '... no key comes back');
	is(sql("SELECT count(*) FROM user_sessions WHERE token_hash = decode('" . sha256_hex($tok) . "', 'hex') AND ended_at IS NULL AND ip = '127.0.0.1'"),
		1, 'user_sessions has the audit row (address, open)');

	# one Redis round trip per authenticated page
	$s->redis_cli('HSET', $key, 'seen', time);
	$s->redis_cli('CONFIG', 'RESETSTAT');
	$alice->get('/me') for 1 .. 5;
	my %calls;
	for (split /\n/, $s->redis_cli('INFO', 'commandstats')) {
		$calls{$1} = $2 if /^cmdstat_(\w+):calls=(\d+)/;
	}
	delete @calls{qw(info config)};
	is_deeply(\%calls, { hmget => 5 }, 'five pages, five Redis commands: one HMGET each');
}

# ------------------------------------------------------------------ escaping and SQL metacharacters
{
	my $x = Client->new($s);
	my $nick = q{<script>alert(1)</script>"'&};
	my $r = signup($x, email => q{o'brien+"x"@example.com}, nickname => $nick);
	is($r->{status}, 422, 'quotes in an e-mail are refused');
	$r = signup($x, email => q{o'brien+x@example.com}, nickname => $nick);
	is($r->{status}, 303, 'an apostrophe in the e-mail and markup in the nickname are fine');
	$r = $x->get('/me');
	like($r->{text}, qr/&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&#39;&amp;님/, 'nickname escaped in the navigation');
	unlike($r->{text}, qr/<script>alert/, 'no script element from user data');
	like($r->{text}, qr/o&#39;brien\+x\@example\.com/, 'e-mail escaped on /me');
	is(sql(q{SELECT display_name FROM users WHERE email = 'o''brien+x@example.com'}), $nick,
		'nickname with markup stored verbatim');
	my $sqlnick = q{Robert'); DROP TABLE users;--};
	$r = $x->post('/me', { nickname => $sqlnick, timezone => 'Asia/Seoul', notify_email => 'on' });
	is($r->{status}, 303, 'profile saved');
	is(sql(q{SELECT display_name FROM users WHERE email = 'o''brien+x@example.com'}), $sqlnick,
		'SQL metacharacters stored verbatim');
	ok(sql('SELECT count(*) FROM users') > 0, 'and the users table is still there');
	$r = $x->get('/me');
	like($r->{text}, qr/Robert&#39;\); DROP TABLE users;--님/, 'the new nickname shows at once (session record updated)');
}

# ------------------------------------------------------------------ profile
{
	my $r = $alice->post('/me', { nickname => '앨리스 K', timezone => 'Asia/Tokyo', notify_email => 'on' });
	is($r->{status}, 303, 'profile saved: 303');
	is($r->{headers}{location}, '/me?saved=1', '... back to /me');
	$r = $alice->get('/me?saved=1');
	like($r->{text}, qr/저장했습니다/, 'saved notice');
	like($r->{text}, qr/<option value="Asia\/Tokyo" selected>/, 'time zone kept');
	like($r->{text}, qr/name="notify_email" value="on" checked/, 'e-mail notifications on');
	like($r->{text}, qr/name="notify_price_drop" value="on">/, 'price notifications off');
	is(sql("SELECT timezone || ' ' || notify_email || ' ' || notify_analysis_done || ' ' || notify_price_drop FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE email = 'alice\@example.com'"),
		'Asia/Tokyo true false false', 'stored in user_profiles');
	$r = $alice->post('/me', { nickname => '', timezone => 'Mars/Olympus' });
	is($r->{status}, 422, 'bad profile: 422');
	like($r->{text}, qr/닉네임을 입력해 주세요/, 'empty nickname message');
	like($r->{text}, qr/알 수 없는 시간대/, 'unknown time zone message');
	$r = $alice->post('/me', { csrf => undef, nickname => 'x', timezone => 'UTC' });
	is($r->{status}, 403, 'profile change without CSRF: 403');
	is(sql("SELECT display_name FROM users WHERE email = 'alice\@example.com'"), '앨리스 K', 'and nothing changed');
	$alice->post('/me', { nickname => '앨리스', timezone => 'Asia/Seoul', notify_email => 'on',
		notify_analysis_done => 'on', notify_price_drop => 'on' });
}

# ------------------------------------------------------------------ log-in, enumeration, fixation, log-out
{
	clear_limits();
	my $c = Client->new($s);
	my $r = login($c, 'nobody@example.com', $PW);
	is($r->{status}, 401, 'unknown e-mail: 401');
	my $unknown = $r->{text};
	$r = login($c, 'alice@example.com', 'wrong password 123');
	is($r->{status}, 401, 'wrong password: 401');
	my $wrong = $r->{text};
	for ($unknown, $wrong) { s/name="csrf" value="[^"]*"//; s/value="[^"]*\@example\.com"// }
	is($wrong, $unknown, 'the same page for an unknown e-mail and a wrong password');
	like($wrong, qr/이메일 또는 비밀번호가 올바르지 않습니다/, 'one Korean message for both');

	# fixation: a session id planted before log-in never becomes the session
	my $planted = 'A' x 43;
	$c->{jar}{rl_session} = $planted;
	$r = login($c, 'Alice@Example.com', $PW, '/me/sessions');
	is($r->{status}, 303, 'log-in: 303');
	is($r->{headers}{location}, '/me/sessions', '... to next');
	isnt($c->{jar}{rl_session}, $planted, 'a new token is issued at log-in');
	my $fix = Client->new($s);
	$fix->{jar}{rl_session} = $planted;
	is($fix->get('/me')->{status}, 303, 'the planted token does not log anyone in');

	# logging in again (the form posted from a logged-in page) replaces the old session
	my $old = $c->{jar}{rl_session};
	$c->get('/me');
	$c->post('/login', { email => 'alice@example.com', password => $PW });
	isnt($c->{jar}{rl_session}, $old, 'a second log-in gets another token');
	my $stale = Client->new($s);
	$stale->{jar}{rl_session} = $old;
	is($stale->get('/me')->{status}, 303, '... and the previous one is dead');

	$r = login(Client->new($s), 'alice@example.com', $PW, '//evil.example/x');
	is($r->{headers}{location}, '/', 'next to another site is ignored');
	$r = login(Client->new($s), 'alice@example.com', $PW, "/\t/evil.example/x");
	is($r->{headers}{location}, '/', 'next with a tab (a browser would drop it) is ignored');
	$r = $c->get('/login?next=/%09/evil.example/x');
	is($r->{headers}{location}, '/', '... also when already logged in');
	$r = $c->get('/login?next=/%5Cevil.example');
	is($r->{headers}{location}, '/', 'next with a backslash is ignored');
	$r = $c->get('/login?next=%2Fme%2Fsessions');
	is($r->{headers}{location}, '/me/sessions', 'a local next is followed');
	$r = Client->new($s)->get('/me?x=' . ('%3C' x 400));
	is($r->{status}, 303, 'a very long address behind a log-in still redirects');
	is($r->{headers}{location}, '/login', '... to the log-in page without next');
	$r = $c->post('/me', { nickname => 'x', timezone => 'UTC' }, { origin => undef });
	is($r->{status}, 403, 'a form POST with neither Origin nor Referer: 403');
	$r = $c->post('/me', { nickname => 'x', timezone => 'UTC' }, { origin => undef, referer => "$ORIGIN/me" });
	is($r->{status}, 303, 'no Origin but our own Referer is accepted');
	$c->post('/me', { nickname => '앨리스', timezone => 'Asia/Seoul', notify_email => 'on',
		notify_analysis_done => 'on', notify_price_drop => 'on' });

	# log-out
	$r = $c->post('/logout', { csrf => undef });
	is($r->{status}, 403, 'log-out without CSRF: 403');
	is($c->get('/me')->{status}, 200, '... and still logged in');
	my $tok = $c->{jar}{rl_session};
	$r = $c->post('/logout', {});
	is($r->{status}, 303, 'log-out: 303');
	like($c->{set}{rl_session} // '', qr/rl_session=; .*Max-Age=0/, 'the cookie is cleared');
	my $after = Client->new($s);
	$after->{jar}{rl_session} = $tok;
	is($after->get('/me')->{status}, 303, 'the logged-out token fails on the very next request');
	is(sql("SELECT ended_reason FROM user_sessions WHERE token_hash = decode('" . sha256_hex($tok) . "', 'hex')"),
		'logout', 'audit row ended with reason logout');
}

# ------------------------------------------------------------------ rate limits
{
	clear_limits();
	my $c = Client->new($s);
	my $r;
	$r = login($c, 'alice@example.com', "wrong $_ password") for 1 .. 2;
	is($r->{status}, 401, 'failures below the account limit: 401');
	$r = login($c, 'alice@example.com', 'wrong 3 password');
	is($r->{status}, 401, 'the failure that reaches the limit: still 401');
	$r = login($c, 'alice@example.com', $PW);
	is($r->{status}, 429, 'past the account limit even the right password waits: 429');
	like($r->{text}, qr/로그인 시도가 너무 많습니다\. 30초 후에 다시 시도해 주세요/, 'a Korean message with the wait');
	is($r->{headers}{'retry-after'}, 30, 'Retry-After: 30');
	like($r->{text}, qr/value="alice\@example\.com"/, 'the e-mail is kept');
	my $api = $s->request('POST', '/api/auth/token', { headers => { 'content-type' => 'application/json' },
		content => $json->encode({ email => 'alice@example.com', password => $PW }) });
	is($api->{status}, 429, 'the API token endpoint shares the limit');
	# the wait expires: let Redis run the clock forward
	my ($lock) = grep { length } split /\n/, $s->redis_cli('--scan', '--pattern', 'rl:ll:*');
	ok($lock, 'the lock lives in Redis');
	$s->redis_cli('PEXPIRE', $lock, 1);
	sleep 0.05;
	$r = login($c, 'alice@example.com', 'wrong 4 password');
	is($r->{status}, 401, 'after the wait the account may try again');
	$r = login($c, 'alice@example.com', $PW);
	is($r->{status}, 429, 'another failure past the limit imposes a longer wait');
	like($r->{text}, qr/1분 후에/, '... of one minute (doubled)');
	$s->redis_cli('DEL', $lock);
	$r = login($c, 'alice@example.com', $PW);
	is($r->{status}, 303, 'a successful log-in after the wait');
	is($s->redis_cli('--scan', '--pattern', 'rl:la:*'), '', '... clears the account counter');

	# parallel guesses cannot slip past the limit: attempts are counted before the check
	clear_limits();
	my @kids;
	for my $i (1 .. 8) {
		pipe(my $rd, my $wr) or die;
		my $pid = fork() // die;
		if (!$pid) {
			close $rd;
			my $r = eval { login(Client->new($s), 'alice@example.com', "parallel guess $i") };
			print {$wr} ($r ? $r->{status} : 'error');
			close $wr;
			POSIX::_exit(0);
		}
		close $wr;
		push @kids, [$pid, $rd];
	}
	my %st;
	for (@kids) { my ($pid, $rd) = @$_; my $v = <$rd> // 'none'; waitpid($pid, 0); $st{$v}++ }
	ok(($st{401} // 0) <= 3, "8 parallel guesses: at most the limit (3) had their password checked ("
		. join(', ', map { "$_: $st{$_}" } sort keys %st) . ')');
	is(($st{401} // 0) + ($st{429} // 0), 8, '... the rest were told to wait');
	clear_limits();

	# per address: failures over many accounts
	clear_limits();
	for my $i (1 .. 12) { login(Client->new($s), "nobody$i\@example.com", 'whatever pw 123') }
	$r = login(Client->new($s), 'alice@example.com', $PW);
	is($r->{status}, 429, 'past the per-address limit every log-in from it is refused');
	like($r->{text}, qr/후에 다시 시도해 주세요/, '... with the time to wait');
	clear_limits();

	# sign-up per address
	my $before = users();
	my $n = 0;
	$s->redis_cli('SET', 'rl:su:127.0.0.1', 8, 'EX', 3600);
	$r = signup(Client->new($s), email => 'flood@example.com');
	is($r->{status}, 429, 'sign-up past the per-address limit: 429');
	like($r->{text}, qr/가입 요청이 너무 많습니다/, '... in Korean');
	is(users(), $before, 'no account created');
	clear_limits();
}

# ------------------------------------------------------------------ sessions list, ending one, ending all
{
	my $a1 = Client->new($s);
	my $a2 = Client->new($s);
	login($a1, 'alice@example.com', $PW);
	login($a2, 'alice@example.com', $PW, undef);
	my $r = $a1->get('/me/sessions');
	is($r->{status}, 200, '/me/sessions');
	my @rows = $r->{text} =~ /<tr(?: class="current")?><td>/g;
	ok(@rows >= 2, 'lists the open sessions (' . scalar(@rows) . ')');
	like($r->{text}, qr/현재 기기/, 'marks the current one');
	like($r->{text}, qr/127\.0\.0\.1/, 'shows the address');
	my $sid2 = sql("SELECT id FROM user_sessions WHERE token_hash = decode('" . sha256_hex($a2->{jar}{rl_session}) . "', 'hex')");
	like($r->{text}, qr/action="\/me\/sessions\/$sid2\/end"/, 'with an end button for the other one');
	$r = $a1->post("/me/sessions/$sid2/end", { csrf => undef });
	is($r->{status}, 403, 'ending a session without CSRF: 403');
	is($a2->get('/me')->{status}, 200, '... the other session still works');
	$r = $a1->post("/me/sessions/$sid2/end", {});
	is($r->{status}, 303, 'ending the other session: 303');
	is($a2->get('/me')->{status}, 303, 'the ended session fails on its very next request');
	is(sql("SELECT ended_reason FROM user_sessions WHERE id = $sid2"), 'revoked', 'audit: revoked');
	$r = $a1->post("/me/sessions/$sid2/end", {});
	is($r->{status}, 404, 'ending it again: 404');

	# someone else's session id is not ours to end
	my $bob = Client->new($s);
	signup($bob, email => 'bob@example.com', nickname => '밥');
	my $bobsid = sql("SELECT max(s.id) FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'bob\@example.com'");
	$r = $a1->post("/me/sessions/$bobsid/end", {});
	is($r->{status}, 404, "another user's session cannot be ended: 404");
	is($bob->get('/me')->{status}, 200, '... and it still works');

	# a session that expired in Redis is no longer listed, and is recorded as expired
	my $a3 = Client->new($s);
	login($a3, 'alice@example.com', $PW);
	my $h3 = sha256_hex($a3->{jar}{rl_session});
	$s->redis_cli('DEL', "s:$h3");
	$a1->get('/me/sessions');
	is(sql("SELECT ended_at IS NULL FROM user_sessions WHERE token_hash = decode('$h3', 'hex')"), 't',
		'a session created in the last minute is not marked expired (its key may be on its way)');
	sql("UPDATE user_sessions SET created_at = now() - interval '2 minutes' WHERE token_hash = decode('$h3', 'hex')");
	$a1->get('/me/sessions');
	is(sql("SELECT ended_reason FROM user_sessions WHERE token_hash = decode('$h3', 'hex')"), 'expired',
		'an idle-expired session is marked expired when the list is read');

	# end all: every session, this one too
	login($a2, 'alice@example.com', $PW);
	$r = $a1->post('/me/sessions/end-all', {});
	is($r->{status}, 303, 'end all: 303');
	is($r->{headers}{location}, '/login?ended=all', '... to the log-in page');
	is($a1->get('/me')->{status}, 303, 'this browser is logged out');
	is($a2->get('/me')->{status}, 303, 'the other browser is logged out on its next request');
	is(sql("SELECT count(*) FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'alice\@example.com' AND ended_at IS NULL AND expires_at > now()"),
		0, 'no open session of that user is left');
}

# ------------------------------------------------------------------ API tokens
my $token;
sub api {
	my ($method, $path, $tok, $body) = @_;
	my %h;
	$h{authorization} = "Bearer $tok" if defined $tok;
	$h{'content-type'} = 'application/json' if defined $body;
	my $r = $s->request($method, $path, { headers => \%h, defined $body ? (content => $body) : () });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
{
	clear_limits();
	my $r = api('POST', '/api/auth/token', undef, $json->encode({ email => 'alice@example.com', password => 'nope nope nope' }));
	is($r->{status}, 401, 'token with a wrong password: 401');
	is($r->{json}{error}{code}, 'invalid_credentials', '... as a JSON error object');
	$r = api('POST', '/api/auth/token', undef, $json->encode({ email => 'nobody@example.com', password => 'nope nope nope' }));
	is($r->{json}{error}{code}, 'invalid_credentials', 'unknown e-mail: the same error');
	$r = api('POST', '/api/auth/token', undef, '{"email":');
	is($r->{status}, 400, 'malformed JSON: 400');
	$r = $s->request('POST', '/api/auth/token', { headers => { 'content-type' => 'text/plain' }, content => '{}' });
	is($r->{status}, 415, 'not JSON: 415');
	$r = api('POST', '/api/auth/token', undef, $json->encode({ email => 'alice@example.com', password => $PW }));
	is($r->{status}, 200, 'token issued');
	$token = $r->{json}{token};
	like($token // '', qr/^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
	is($r->{json}{token_type}, 'Bearer', 'token_type Bearer');
	ok($r->{json}{expires_in} > 100 && $r->{json}{expires_in} <= 120, 'short expiry (auth.token_ttl)');
	$r = api('GET', '/api/me', $token);
	is($r->{status}, 200, 'GET /api/me with the token');
	is($r->{json}{email}, 'alice@example.com', '... says who');
	is($r->{json}{role}, 'user', '... and the role');
	$r = api('GET', '/api/me');
	is($r->{status}, 401, 'no token: 401');
	is($r->{json}{error}{code}, 'missing_token', '... JSON error');
	like($r->{headers}{'www-authenticate'} // '', qr/^Bearer/, '... WWW-Authenticate: Bearer');
	is(api('GET', '/api/me', 'garbage')->{status}, 401, 'a malformed token: 401');

	my ($h, $p, $sig) = split /\./, $token;
	my $claims = $json->decode(MIME::Base64::decode_base64url($p));
	my $key = do { open(my $fh, '<', $s->rundir . '/jwt.key') or die; local $/; <$fh> };
	chomp $key;
	my $sign = sub {
		my ($hdr, $pl, $k) = @_;
		my $hp = encode_base64url($json->encode($hdr)) . '.' . encode_base64url($json->encode($pl));
		return "$hp." . encode_base64url(hmac_sha256($hp, $k));
	};
	is(api('GET', '/api/me', $sign->({ alg => 'HS256', typ => 'JWT' }, $claims, $key))->{status}, 200,
		'a token the test signs with the server key works (the signing is understood)');
	my %evil = (%$claims, sub => '1' . $claims->{sub});
	is(api('GET', '/api/me', "$h." . encode_base64url($json->encode(\%evil)) . ".$sig")->{status}, 401,
		'a tampered payload: 401');
	is(api('GET', '/api/me', $sign->({ alg => 'HS256', typ => 'JWT' }, $claims, 'not the key at all, but long enough'))->{status},
		401, 'wrongly signed: 401');
	my $none = encode_base64url($json->encode({ alg => 'none', typ => 'JWT' })) . ".$p.";
	$r = api('GET', '/api/me', $none);
	is($r->{status}, 401, 'alg:none: 401');
	is($r->{json}{error}{code}, 'invalid_token', '... invalid_token');
	my %old = (%$claims, iat => time - 600, exp => time - 300);
	$r = api('GET', '/api/me', $sign->({ alg => 'HS256', typ => 'JWT' }, \%old, $key));
	is($r->{status}, 401, 'expired: 401');
	is($r->{json}{error}{code}, 'token_expired', '... token_expired');
	my %fresh = (%$claims, jti => 'f' x 32);
	is(api('GET', '/api/me', $sign->({ alg => 'HS256', typ => 'JWT' }, \%fresh, $key))->{status}, 401,
		'a validly signed token whose id was never issued: 401');

	$r = api('POST', '/api/auth/logout', $token);
	is($r->{status}, 200, 'API log-out');
	$r = api('GET', '/api/me', $token);
	is($r->{status}, 401, 'the token is refused at once after log-out');
	is($r->{json}{error}{code}, 'token_revoked', '... as revoked');
	is(api('GET', '/api/version')->{status}, 200, '/api/version needs no token');
}

# ------------------------------------------------------------------ password change
{
	clear_limits();
	my $a1 = Client->new($s);
	my $a2 = Client->new($s);
	login($a1, 'alice@example.com', $PW);
	login($a2, 'alice@example.com', $PW);
	my $tok = api('POST', '/api/auth/token', undef, $json->encode({ email => 'alice@example.com', password => $PW }))->{json}{token};
	is(api('GET', '/api/me', $tok)->{status}, 200, 'an API token before the change');
	$a1->get('/me/password');
	my $r = $a1->post('/me/password', { current => 'wrong wrong wrong', password => 'new pass phrase 42', password2 => 'new pass phrase 42' });
	is($r->{status}, 422, 'wrong current password: 422');
	like($r->{text}, qr/현재 비밀번호가 맞지 않습니다/, '... said beside the field');
	$r = $a1->post('/me/password', { current => $PW, password => 'short', password2 => 'short' });
	is($r->{status}, 422, 'a new password that breaks the rules: 422');
	$r = $a1->post('/me/password', { current => $PW, password => 'new pass phrase 42', password2 => 'new pass phrase 42' });
	is($r->{status}, 303, 'password changed: 303');
	is($r->{headers}{location}, '/me?password=1', '... to /me');
	like($a1->get('/me?password=1')->{text}, qr/비밀번호를 바꿨습니다/, 'a notice says so');
	is($a1->get('/me')->{status}, 200, 'this session stays');
	is($a2->get('/me')->{status}, 303, 'the other browser is logged out on its next request');
	is(api('GET', '/api/me', $tok)->{status}, 401, 'API tokens end too');
	is(login(Client->new($s), 'alice@example.com', $PW)->{status}, 401, 'the old password no longer works');
	is(login(Client->new($s), 'alice@example.com', 'new pass phrase 42')->{status}, 303, 'the new one does');
	$PW = 'new pass phrase 42';
}

# ------------------------------------------------------------------ e-mails beyond ASCII
{
	clear_limits();
	my $r = signup(Client->new($s), email => 'Élise@Example.com', nickname => '엘리즈');
	is($r->{status}, 303, 'sign-up with a non-ASCII e-mail');
	is(sql("SELECT email FROM users WHERE display_name = '엘리즈'"), 'élise@example.com', 'stored case-folded');
	is(signup(Client->new($s), email => 'ÉLISE@example.com')->{status}, 409, 'the same address in other case is taken');
	is(login(Client->new($s), 'éLise@EXAMPLE.com', '올바른 말 배터리 스테이플')->{status}, 303, 'log-in in any case');
	is(login(Client->new($s), 'ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'new pass phrase 42')->{status}, 303,
		'a full-width address (Korean IME) is the same address');
	login(Client->new($s), 'élise@example.com', "wrong $_ pw") for 1 .. 3;
	$r = login(Client->new($s), 'ÉLISE@example.com', $PW);
	is($r->{status}, 429, 'case variants share one log-in limit');
	clear_limits();
}

# ------------------------------------------------------------------ IPv6 clients are limited by /64
{
	clear_limits();
	my $sock = $s->rundir . '/web/web.sock';
	my $fcgi = sub {
		my ($addr, %env) = @_;
		my $body = delete $env{body} // '';
		return RevlensTest::run_cmd(['/usr/bin/cgi-fcgi', '-bind', '-connect', $sock], stdin => $body,
			env => { SERVER_PROTOCOL => 'HTTP/1.1', REMOTE_ADDR => $addr, HTTP_HOST => 'revlens.test',
				SERVER_PORT => 80, %env })->{out};
	};
	my $out = $fcgi->('2001:db8:1:2::7', REQUEST_METHOD => 'GET', REQUEST_URI => '/signup');
	my ($csrf) = $out =~ /rl_csrf=([\w-]{43})/;
	$s->redis_cli('SET', 'rl:su:6:20010db800010002', 8, 'EX', 3600);
	my $body = "csrf=$csrf&email=v6%40example.com&nickname=v6&password=" . Client::enc($PW) . "&password2=" . Client::enc($PW);
	$out = $fcgi->('2001:db8:1:2:ffff::9', REQUEST_METHOD => 'POST', REQUEST_URI => '/signup', body => $body,
		HTTP_ORIGIN => 'http://revlens.test', HTTP_COOKIE => "rl_csrf=$csrf",
		CONTENT_TYPE => 'application/x-www-form-urlencoded', CONTENT_LENGTH => length($body));
	like($out, qr/^Status: 429/, 'another address in the same IPv6 /64 shares its sign-up limit');
	$out = $fcgi->('2001:db8:1:3::9', REQUEST_METHOD => 'POST', REQUEST_URI => '/signup', body => $body,
		HTTP_ORIGIN => 'http://revlens.test', HTTP_COOKIE => "rl_csrf=$csrf",
		CONTENT_TYPE => 'application/x-www-form-urlencoded', CONTENT_LENGTH => length($body));
	like($out, qr/^Status: 303/, 'an address in another /64 does not');
	clear_limits();
}

# ------------------------------------------------------------------ Unicode passwords (NFC)
{
	my $nfc = "한국어 비밀번호 열자리";
	my $nfd = Unicode::Normalize::NFD($nfc);
	isnt($nfd, $nfc, 'the decomposed form differs in bytes');
	my $c = Client->new($s);
	my $r = signup($c, email => 'nfc@example.com', password => $nfd);
	is($r->{status}, 303, 'sign-up with a decomposed Hangul password');
	is(login(Client->new($s), 'nfc@example.com', $nfc)->{status}, 303, 'log-in with the composed form works (NFC)');
}

# ------------------------------------------------------------------ HTTPS: the Secure flag
{
	# straight to the FastCGI socket, as nginx behind TLS would send it (HTTPS=on)
	my $sock = $s->rundir . '/web/web.sock';
	my $r = RevlensTest::run_cmd(['/usr/bin/cgi-fcgi', '-bind', '-connect', $sock], stdin => '',
		env => { REQUEST_METHOD => 'GET', REQUEST_URI => '/login', SERVER_PROTOCOL => 'HTTP/1.1',
			REMOTE_ADDR => '127.0.0.1', HTTPS => 'on', REQUEST_SCHEME => 'https', HTTP_HOST => 'revlens.test' });
	like($r->{out}, qr/Set-Cookie: rl_csrf=[^\r\n]*; Secure/, 'cookies are Secure when served over https');
	my ($csrf) = $r->{out} =~ /rl_csrf=([\w-]{43})/;
	my $body = "csrf=$csrf&email=alice%40example.com&password=" . Client::enc($PW);
	$r = RevlensTest::run_cmd(['/usr/bin/cgi-fcgi', '-bind', '-connect', $sock], stdin => $body,
		env => { REQUEST_METHOD => 'POST', REQUEST_URI => '/login', SERVER_PROTOCOL => 'HTTP/1.1',
			REMOTE_ADDR => '127.0.0.1', HTTPS => 'on', REQUEST_SCHEME => 'https', HTTP_HOST => 'revlens.test',
			SERVER_PORT => 443, HTTP_ORIGIN => 'https://revlens.test', HTTP_COOKIE => "rl_csrf=$csrf",
			CONTENT_TYPE => 'application/x-www-form-urlencoded', CONTENT_LENGTH => length($body) });
	like($r->{out}, qr/^Status: 303/, 'log-in over https');
	like($r->{out}, qr/Set-Cookie: rl_session=[\w-]{43}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure/,
		'the session cookie is Secure over https');
}

# ------------------------------------------------------------------ password hashes follow the configured cost
{
	my $before = sql("SELECT password_hash FROM users WHERE email = 'alice\@example.com'");
	like($before, qr/\$m=8,t=1,/, 'hash made at the test cost (8 KiB, 1 pass)');
	open(my $fh, '>>', $s->conf) or die;
	print {$fh} "auth.pwhash_opslimit = 2\n";
	close $fh;
	kill 'HUP', $s->web_pid;
	my $ok;
	for (1 .. 100) {
		sleep 0.1;
		my $r = login(Client->new($s), 'alice@example.com', $PW);
		next unless $r->{status} == 303;
		my $h = sql("SELECT password_hash FROM users WHERE email = 'alice\@example.com'");
		if ($h =~ /\$m=8,t=2,/) { $ok = 1; last }
	}
	ok($ok, 'after a cost change the hash is upgraded at the next log-in');
	is(login(Client->new($s), 'alice@example.com', $PW)->{status}, 303, 'and the password still works');
}

# ------------------------------------------------------------------ admin
{
	my $u = Client->new($s);
	login($u, 'bob@example.com', $PW);
	login($u, 'bob@example.com', '올바른 말 배터리 스테이플');
	my $r = $u->get('/admin/config');
	is($r->{status}, 404, 'a non-admin gets 404 on /admin/config');
	$r = Client->new($s)->get('/admin/config');
	is($r->{status}, 404, 'so does a visitor (no redirect that would reveal it)');
	$r = $u->post('/admin/config', { key => 'signup.enabled', value => 'false' });
	is($r->{status}, 404, 'a non-admin cannot post settings');
	is(sql("SELECT count(*) FROM system_config"), 0, '... nothing stored');
	unlike($u->get('/')->{text}, qr/href="\/admin\/config"/, 'no admin link for a user');

	sql("UPDATE users SET role = 'admin' WHERE email = 'alice\@example.com'");
	my $adm = Client->new($s);
	login($adm, 'alice@example.com', $PW);
	$r = $adm->get('/admin/config');
	is($r->{status}, 200, 'an admin sees /admin/config');
	like($r->{text}, qr/회원가입 허용/, 'with the settings in Korean');
	like($adm->get('/')->{text}, qr/href="\/admin\/config"/, 'and an admin link in the navigation');
	$r = $adm->post('/admin/config', { key => 'signup.daily_limit', value => 'lots' });
	is($r->{status}, 422, 'a value of the wrong type: 422');
	like($r->{text}, qr/0부터 1000000까지의 정수/, '... with the allowed range');
	$r = $adm->post('/admin/config', { key => 'no.such.key', value => '1' });
	is($r->{status}, 422, 'an unknown key: 422');
	$r = $adm->post('/admin/config', { csrf => undef, key => 'signup.enabled', value => 'false' });
	is($r->{status}, 403, 'settings without CSRF: 403');
	$r = $adm->post('/admin/config', { key => 'signup.enabled', value => 'false' });
	is($r->{status}, 303, 'signup.enabled = false saved');
	is(sql("SELECT value::text FROM system_config WHERE key = 'signup.enabled'"), 'false', 'stored as JSON');
	is(sql("SELECT a.old_value IS NULL, a.new_value::text, u.email FROM system_config_audit a JOIN users u ON u.id = a.changed_by WHERE a.key = 'signup.enabled'"),
		't|false|alice@example.com', 'audited: who, from the default, to what');
	$r = signup(Client->new($s), email => 'late@example.com');
	is($r->{status}, 403, 'sign-up is closed now');
	like($r->{text}, qr/신규 가입을 받지 않습니다/, '... with a Korean message');
	$adm->get('/admin/config');
	$adm->post('/admin/config', { key => 'signup.enabled', value => 'true' });
	is(signup(Client->new($s), email => 'late@example.com')->{status}, 303, 'and open again');
	is(sql("SELECT count(*) FROM system_config_audit WHERE key = 'signup.enabled'"), 2, 'two audit rows');
	$adm->get('/admin/config');
	$r = $adm->post('/admin/config', { key => 'site.notice', value => '<b>점검</b> 안내' });
	is($r->{status}, 303, 'a notice saved');
	like(Client->new($s)->get('/')->{text}, qr/&lt;b&gt;점검&lt;\/b&gt; 안내/, 'the notice shows on the home page, escaped');
	$r = api('POST', '/api/auth/token', undef, $json->encode({ email => 'alice@example.com', password => $PW }));
	my $atok = $r->{json}{token};
	is(api('GET', '/api/me', $atok)->{json}{role}, 'admin', 'the API reports the admin role');

	# demoted from the command line: the admin's sessions end at once
	my $c = $s->cli('user', 'set-role', 'alice@example.com', 'user');
	is($c->{exit}, 0, 'revlens user set-role ... user') or diag($c->{err});
	like($c->{out}, qr/is now user \(was admin\); \d+ open sessions? ended/, '... says it ended the sessions');
	is($adm->get('/admin/config')->{status}, 404, 'the demoted admin is out of /admin/config at once');
	is($adm->get('/me')->{status}, 303, '... because the session ended');
	is(api('GET', '/api/me', $atok)->{status}, 401, '... and so did the API token');
	is(sql("SELECT count(*) FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'alice\@example.com' AND ended_reason = 'admin'") > 0,
		1, 'audit rows say an admin ended them');
	my $again = Client->new($s);
	login($again, 'alice@example.com', $PW);
	$c = $s->cli('user', 'set-role', 'alice@example.com', 'user');
	like($c->{out}, qr/is already user; 1 open session ended/, 'set-role again (a retry) still ends the sessions');
	is($again->get('/me')->{status}, 303, '... so a half-done demotion is finished by running it again');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
