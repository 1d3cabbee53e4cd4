// t/browser/accounts.mjs — the account pages in a real browser (headless Debian chromium
// driven by playwright-core): sign-up, profile, log-out and log-in, sessions on two
// browsers, password change, the 404 page.  Screenshots of every page.
//
//   node t/browser/accounts.mjs BASE_URL SCREENSHOT_DIR
//
// Prints TAP ("ok N - ...", "not ok N - ...", "# ..." comments and the plan "1..N" at the
// end) and exits 1 when a check failed, a step threw, or the 120 s watchdog fired.
// Run by t/integ/browser.t against a private stack; nothing here downloads a browser.
// The TAP, page helpers and main() are in lib.mjs beside this file.
import {
	main, ok, is, has, note, url, pathOf, hangul, newContext, newPage, shot, submit,
	navWho, navHasLogin, login, logout, pageErrors,
} from './lib.mjs';

// ---------------------------------------------------------------- the flows

const email = `browser-${Date.now()}@example.com`;
const nick = '테스터<script>';
const pw1 = '올바른 말 배터리 스테이플';
const pw2 = '새 비밀번호 배터리 스테이플 둘';
const nick2 = '새 닉네임';

async function run(browser) {
	// a. home page as a visitor
	let ctx = await newContext(browser);
	let page = await newPage(ctx);
	let resp = await page.goto(url('/'));
	is(resp.status(), 200, 'home: GET / is 200 for a visitor');
	const h1 = (await page.locator('h1').first().textContent()) ?? '';
	ok(hangul.test(h1), 'home: the heading is Korean', `h1: ${JSON.stringify(h1)}`);
	ok(await navHasLogin(page), 'home: the nav links to 로그인');
	is(await page.locator('header nav a[href="/signup"]', { hasText: '회원가입' }).count(), 1,
		'home: the nav links to 회원가입');
	const css = await page.evaluate(() => [...document.styleSheets].some((s) => {
		try { return s.href && s.href.endsWith('/static/revlens.css') && s.cssRules.length > 0; }
		catch { return false; }
	}));
	if (!css) note('the stylesheet /static/revlens.css did not load: the pages are unstyled');
	await shot(page, 'home.png');

	// b. sign-up: an invalid form first, then a valid one
	resp = await page.goto(url('/signup'));
	is(resp.status(), 200, 'signup: GET /signup is 200');
	await shot(page, 'signup.png');
	await page.locator('#f-email').fill('not-an-email');
	await page.locator('#f-nickname').fill('<b>테스터</b>');
	await page.locator('#f-password').fill('short');
	await page.locator('#f-password2').fill('short');
	resp = await submit(page, 'main button[type=submit]', '/signup');
	is(resp.status(), 422, 'signup: an invalid form answers 422');
	const errors = await page.locator('.field-error').allTextContents();
	ok(errors.length >= 2 && errors.every((t) => hangul.test(t)),
		'signup: Korean messages beside the bad fields (.field-error)', JSON.stringify(errors));
	ok(await page.locator('#f-email[aria-invalid=true] ~ .field-error').count() === 1,
		'signup: the e-mail field is marked invalid with its message');
	ok(await page.locator('#f-password[aria-invalid=true] ~ .field-error').count() === 1,
		'signup: the password field is marked invalid with its message');
	is(await page.locator('#f-email').inputValue(), 'not-an-email', 'signup: the typed e-mail is kept');
	is(await page.locator('#f-nickname').inputValue(), '<b>테스터</b>',
		'signup: the typed nickname is kept, as text');
	is(await page.locator('#f-password').inputValue(), '', 'signup: the password field comes back empty');
	is(await page.locator('#f-password2').inputValue(), '', 'signup: the confirmation comes back empty');
	is(await page.locator('main b').count(), 0, 'signup: the nickname\'s <b> is not markup');
	await shot(page, 'signup-errors.png');

	await page.locator('#f-email').fill(email);
	await page.locator('#f-nickname').fill(nick);
	await page.locator('#f-password').fill(pw1);
	await page.locator('#f-password2').fill(pw1);
	resp = await submit(page, 'main button[type=submit]', '/signup');
	is(resp.status(), 303, 'signup: a valid form answers a redirect');
	is(pathOf(page), '/?welcome=1', 'signup: the browser lands on the home page');
	has(await page.locator('.notice.ok').first().textContent().catch(() => ''), '가입을 환영합니다',
		'signup: a welcome notice');
	has(await page.locator('main h1').textContent(), `${nick}님`, 'signup: the heading greets the nickname');
	has(await page.locator('body').innerText(), nick, 'signup: the page text contains the nickname literally');
	const scripts = await page.evaluate(() => [...document.querySelectorAll('script')].map((s) => s.outerHTML));
	is(scripts.length, 0, 'signup: the nickname created no <script> element');
	is(await navWho(page), `${nick}님`, 'signup: the nav shows the nickname + 님');
	await shot(page, 'signup-done.png');

	// c. the session survives a reload and a browser restart (the cookie has Max-Age)
	resp = await page.goto(url('/me'));
	is(resp.status(), 200, 'me: GET /me is 200 when logged in');
	is(await navWho(page), `${nick}님`, 'me: the nav shows the nickname + 님');
	is(await page.locator('#f-nickname').inputValue(), nick, 'me: the nickname field holds the nickname');
	await shot(page, 'me.png');
	const state = await ctx.storageState();
	await ctx.close();
	const cookie = state.cookies.find((c) => c.name === 'rl_session');
	ok(cookie, 'cookie: rl_session is set', JSON.stringify(state.cookies.map((c) => c.name)));
	ok(cookie && cookie.expires > Date.now() / 1000 + 3600,
		'cookie: rl_session is persistent (Max-Age: it outlives the browser)', JSON.stringify(cookie));
	is(cookie?.httpOnly, true, 'cookie: rl_session is HttpOnly');
	is(cookie?.sameSite, 'Lax', 'cookie: rl_session is SameSite=Lax');
	ctx = await newContext(browser, { storageState: state });
	page = await newPage(ctx);
	resp = await page.goto(url('/me'));
	is(pathOf(page), '/me', 'restart: a new browser with the saved cookies stays on /me');
	is(await navWho(page), `${nick}님`, 'restart: still logged in (the nav shows the nickname)');
	const dc = await page.evaluate(() => document.cookie);
	ok(!dc.includes('rl_session'), 'cookie: document.cookie does not show rl_session', dc);

	// d. edit the profile
	await page.locator('#f-nickname').fill(nick2);
	await page.locator('#f-timezone').selectOption('Asia/Tokyo');
	ok(await page.locator('input[name=notify_price_drop]').isChecked(), 'profile: 가격 하락 starts ticked');
	await page.locator('label.check', { hasText: '가격 하락' }).locator('input').uncheck();
	resp = await submit(page, 'main button[type=submit]:has-text("저장")', '/me');
	is(resp.status(), 303, 'profile: saving answers a redirect');
	is(pathOf(page), '/me?saved=1', 'profile: back on /me');
	has(await page.locator('.notice.ok').first().textContent().catch(() => ''), '저장했습니다',
		'profile: the notice 저장했습니다');
	await page.goto(url('/me'));
	is(await page.locator('#f-nickname').inputValue(), nick2, 'profile: the new nickname is kept after a reload');
	is(await page.locator('#f-timezone').inputValue(), 'Asia/Tokyo', 'profile: the time zone is kept');
	is(await page.locator('input[name=notify_price_drop]').isChecked(), false, 'profile: 가격 하락 stays unticked');
	is(await page.locator('input[name=notify_email]').isChecked(), true, 'profile: 이메일 알림 stays ticked');
	is(await page.locator('input[name=notify_analysis_done]').isChecked(), true, 'profile: 분석 완료 stays ticked');
	is(await navWho(page), `${nick2}님`, 'profile: the nav shows the new nickname');

	// e. log out
	resp = await logout(page);
	is(pathOf(page), '/', 'logout: the nav button 로그아웃 leads home');
	ok(await navHasLogin(page), 'logout: the nav shows 로그인 again');
	is(await navWho(page), null, 'logout: no nickname in the nav');
	resp = await page.goto(url('/me'));
	const from = resp.request().redirectedFrom();
	ok(from && new URL(from.url()).pathname === '/me', 'logout: GET /me is redirected');
	is(pathOf(page), '/login?next=%2Fme', 'logout: /me redirects to /login?next=%2Fme');
	await shot(page, 'login.png');

	// f. log in: a wrong password, then the right one
	resp = await login(page, email, 'wrong password!!');
	is(resp.status(), 401, 'login: a wrong password answers 401');
	has(await page.locator('.notice.error').textContent().catch(() => ''),
		'이메일 또는 비밀번호가 올바르지 않습니다.', 'login: the Korean error message');
	is(await page.locator('#f-email').inputValue(), email, 'login: the e-mail is kept');
	is(await page.locator('#f-password').inputValue(), '', 'login: the password is not');
	await shot(page, 'login-error.png');
	resp = await login(page, email, pw1);
	is(pathOf(page), '/me', 'login: the right password lands on /me (the next parameter)');
	is(await navWho(page), `${nick2}님`, 'login: the nav shows the nickname');

	// g. a second browser; the first one ends its session
	const ctxB = await newContext(browser);
	const pageB = await newPage(ctxB);
	await pageB.goto(url('/login'));
	await login(pageB, email, pw1);
	is(pathOf(pageB), '/', 'second browser: logs in (lands home)');
	is(await navWho(pageB), `${nick2}님`, 'second browser: the nav shows the nickname');
	resp = await page.goto(url('/me/sessions'));
	is(resp.status(), 200, 'sessions: GET /me/sessions is 200');
	let rows = page.locator('table.list tbody tr');
	is(await rows.count(), 2, 'sessions: two rows (two browsers)');
	is(await rows.filter({ has: page.locator('.badge', { hasText: '현재 기기' }) }).count(), 1,
		'sessions: one row has the badge 현재 기기');
	await shot(page, 'sessions.png');
	const other = rows.filter({ hasNot: page.locator('.badge') });
	is(await other.count(), 1, 'sessions: one other row');
	const action = await other.first().locator('form').getAttribute('action');
	is(await other.first().locator('button').textContent(), '종료', 'sessions: the other row has the button 종료');
	resp = await submit(page, `form[action="${action}"] button:has-text("종료")`, action);
	is(pathOf(page), '/me/sessions?ended=1', 'sessions: 종료 comes back to the list');
	has(await page.locator('.notice.ok').textContent().catch(() => ''), '종료했습니다',
		'sessions: a notice that the log-in ended');
	rows = page.locator('table.list tbody tr');
	is(await rows.count(), 1, 'sessions: one row left');
	is(await rows.locator('.badge').count(), 1, 'sessions: the one left is 현재 기기');
	resp = await pageB.goto(url('/me'));
	is(new URL(pageB.url()).pathname, '/login', 'second browser: /me now ends at /login (logged out)');
	ok(await navHasLogin(pageB), 'second browser: the nav shows 로그인');
	await ctxB.close();

	// g2. ingest tokens for a collector: made on /me/tokens, shown once, revoked there
	resp = await page.goto(url('/me/tokens'));
	is(resp.status(), 200, 'tokens: GET /me/tokens is 200');
	await page.locator('#f-name').fill('집 PC 크롬 확장');
	resp = await submit(page, 'form[action="/me/tokens"] button[type=submit]', '/me/tokens');
	is(resp.status(), 201, 'tokens: 토큰 만들기 answers 201');
	const fresh = await page.locator('#fresh-token').inputValue().catch(() => '');
	ok(/^rli_[A-Za-z0-9_-]{43}$/.test(fresh), 'tokens: the new token is shown once', fresh);
	has(await page.locator('table.list').textContent(), '집 PC 크롬 확장', 'tokens: the list names it');
	await shot(page, 'tokens.png');
	const revoke = await page.locator('table.list form').first().getAttribute('action');
	ok(/^\/me\/tokens\/\d+\/revoke$/.test(revoke || ''), 'tokens: each row has a 폐기 form', revoke);
	resp = await submit(page, `form[action="${revoke}"] button`, revoke);
	is(pathOf(page), '/me/tokens?revoked=1', 'tokens: 폐기 comes back to the list');
	has(await page.locator('table.list').textContent(), '아직 만든 토큰이 없습니다', 'tokens: the list is empty again');
	is(await page.locator('#fresh-token').count(), 0, 'tokens: the token is not shown again');

	// h. change the password
	resp = await page.goto(url('/me/password'));
	is(resp.status(), 200, 'password: GET /me/password is 200');
	await shot(page, 'password.png');
	await page.locator('#f-current').fill(pw1);
	await page.locator('#f-password').fill(pw2);
	await page.locator('#f-password2').fill(pw2);
	resp = await submit(page, 'main button[type=submit]', '/me/password');
	is(pathOf(page), '/me?password=1', 'password: redirected to /me');
	has(await page.locator('.notice.ok').textContent().catch(() => ''),
		'다른 기기의 로그인은 모두 종료했습니다', 'password: the Korean notice about the other sessions');
	is(await navWho(page), `${nick2}님`, 'password: this browser stays logged in');
	await logout(page);
	ok(await navHasLogin(page), 'password: logged out');
	await page.goto(url('/login'));
	resp = await login(page, email, pw1);
	is(resp.status(), 401, 'password: the old password no longer logs in');
	resp = await login(page, email, pw2);
	is(pathOf(page), '/', 'password: the new password logs in');
	is(await navWho(page), `${nick2}님`, 'password: the nav shows the nickname');

	await shot(page, 'home-user.png');
	is(await page.locator('header nav a[href="/admin/config"]').count(), 0, 'home: no admin link for a user');
	resp = await page.goto(url('/admin/config'));
	is(resp.status(), 404, 'admin: a user gets 404 on /admin/config');

	// i. the 404 page
	resp = await page.goto(url('/no-such-page'));
	is(resp.status(), 404, '404: /no-such-page answers 404');
	const h404 = (await page.locator('h1').first().textContent().catch(() => '')) ?? '';
	ok(hangul.test(h404), '404: the heading is Korean', `h1: ${JSON.stringify(h404)}`);
	await shot(page, 'not-found.png');
	await ctx.close();

	// j. an admin (made with `revlens user add --admin` by browser.t) edits a setting
	const adminEmail = process.env.REVLENS_ADMIN_EMAIL, adminPw = process.env.REVLENS_ADMIN_PASSWORD;
	ok(adminEmail && adminPw, 'admin: browser.t made an admin account');
	if (adminEmail && adminPw) {
		ctx = await newContext(browser);
		page = await newPage(ctx);
		await page.goto(url('/login?next=%2Fadmin%2Fconfig'));
		await login(page, adminEmail, adminPw);
		is(pathOf(page), '/admin/config', 'admin: log-in lands on /admin/config (next)');
		is(await page.locator('header nav a[href="/admin/config"]').count(), 1, 'admin: the nav has the admin link');
		const notice = page.locator('form.setting:has(input[name=key][value="site.notice"])');
		await notice.locator('input[name=value]').fill('오늘 밤 12시부터 10분간 점검합니다.');
		resp = await submit(page, 'form.setting:has(input[name=key][value="site.notice"]) button[type=submit]',
			'/admin/config');
		is(resp.status(), 303, 'admin: saving a setting answers 303');
		has(await page.locator('.notice.ok').textContent().catch(() => ''), '설정을 저장했습니다',
			'admin: the saved notice');
		has(await page.locator('table.list').textContent().catch(() => ''), adminEmail,
			'admin: the change is in the audit table with who made it');
		await shot(page, 'admin-config.png');
		const bad = page.locator('form.setting:has(input[name=key][value="signup.daily_limit"])');
		await bad.locator('input[name=value]').fill('많이');
		resp = await submit(page, 'form.setting:has(input[name=key][value="signup.daily_limit"]) button[type=submit]',
			'/admin/config');
		is(resp.status(), 422, 'admin: a value of the wrong type answers 422');
		has(await page.locator('form.setting.invalid .field-error').textContent().catch(() => ''),
			'정수를 입력해 주세요', 'admin: the error sits beside that setting');
		await shot(page, 'admin-config-error.png');
		await page.goto(url('/'));
		has(await page.locator('.notice.info').textContent().catch(() => ''), '점검합니다',
			'admin: the notice shows on the home page');
		await ctx.close();
	}

	ok(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join('\n'));
}

await main('accounts.mjs', run);
