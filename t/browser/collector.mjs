// t/browser/collector.mjs — the browser-extension collector (collector/) end to end:
// Debian's Chromium with the unpacked extension loaded, www.coupang.com mapped to the
// fake Coupang server (t/fake-coupang/server.mjs), the options page set to the test
// stack's revlens and an ingest token, then "revlens로 보내기" on product pages of the
// fake's scenarios.  t/integ/collector.t starts everything, runs this and then checks
// what revlens stored and what the fake server was asked.
//
//   node collector.mjs REVLENS_BASE_URL SCREENSHOT_DIR
//   environment: REVLENS_COLLECTOR (the collector/ directory, absolute),
//     REVLENS_FAKE_PORT, REVLENS_FAKE_SPKI (the fake's port and server-key hash),
//     REVLENS_FAKE_CA (its CA, to call /__control), REVLENS_INGEST_TOKEN
//
// Prints TAP like the other browser scripts (the helpers of lib.mjs) and exits 1 when a
// point failed.  It uses its own launch: an extension needs a persistent context.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXECUTABLE, ARGS, TIMEOUT, VIEWPORT, ok as libOk, note, oneLine } from './lib.mjs';

const WATCHDOG = 170000;
const RUN_TIMEOUT = 45000;     // one product's collection (1007 retries for ~7 s)

let n = 0, failed = 0;
function ok(cond, desc, detail) {
	n++;
	if (!libOk(cond, desc, detail)) failed++;
	return !!cond;
}
const is = (got, want, desc) =>
	ok(got === want, desc, `got:      ${JSON.stringify(got)}\nexpected: ${JSON.stringify(want)}`);
const has = (text, part, desc) => ok(String(text ?? '').includes(part), desc,
	`expected to contain: ${JSON.stringify(part)}\nin: ${JSON.stringify(String(text ?? '').slice(0, 400))}`);

const [base, shotDir] = process.argv.slice(2);
const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} is not set`);
	return process.env[k];
};

async function shot(page, name, fullPage = false) {
	const file = join(shotDir, name);
	await page.waitForTimeout(400);     // the progress bar's transition
	await page.screenshot({ path: file, fullPage });
	note(`screenshot: ${file}`);
}

// POST to the fake Coupang's control endpoints (trusting its test CA).
function control(path) {
	return new Promise((resolve, reject) => {
		const req = httpsRequest({ host: '127.0.0.1', port: Number(env('REVLENS_FAKE_PORT')), path,
			method: 'POST', ca: readFileSync(env('REVLENS_FAKE_CA')) }, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.end();
	});
}

const panel = (page) => page.locator('#revlens-collector .rl-panel');

// Open product `id`, press the button, wait until the panel leaves "running".
async function collect(ctx, id, { keep = false } = {}) {
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(`https://www.coupang.com/vp/products/${id}`);
	const button = page.locator('#revlens-collector .rl-send');
	await button.waitFor({ state: 'visible' });
	await button.click();
	await page.waitForFunction(() => {
		const p = document.querySelector('#revlens-collector')?.shadowRoot?.querySelector('.rl-panel');
		return p && !p.hidden && !['running', 'idle'].includes(p.dataset.state);
	}, null, { timeout: RUN_TIMEOUT });
	const state = await panel(page).getAttribute('data-state');
	const message = (await panel(page).locator('.rl-message').textContent()).trim();
	const reviews = (await panel(page).locator('.rl-reviews').textContent()).trim();
	const pages = (await panel(page).locator('.rl-pages').textContent()).trim();
	const errs = (await panel(page).locator('.rl-errors').textContent()).trim();
	note(`${id}: ${state} · pages ${pages} · reviews ${reviews} · errors ${errs} · ${message}`);
	ok(errors.length === 0, `${id}: no script errors on the page`, errors.join('\n'));
	if (!keep) await page.close();
	return { page, state, message, reviews, pages, errors: errs };
}

async function run(ctx) {
	// ---- the extension and its id
	let sw = ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'));
	if (!sw) sw = await ctx.waitForEvent('serviceworker', { timeout: TIMEOUT });
	const m = sw.url().match(/^chrome-extension:\/\/([a-p]{32})\/background\.js$/);
	if (!ok(m, 'the extension loaded and its service worker runs', sw.url())) return;
	const extId = m[1];
	note(`extension id ${extId}`);

	// ---- the options page
	const opt = await ctx.newPage();
	await opt.goto(`chrome-extension://${extId}/options.html`);
	is(await opt.locator('h1').textContent(), 'revlens 수집기 설정', 'the options page opens');
	const status = opt.locator('#status');

	await opt.locator('#revlens-url').fill(base);
	await opt.locator('#token').fill('rli_not-a-token');
	await opt.locator('#save').click();
	has(await status.textContent(), 'rli_로 시작하는 47자', 'a malformed token is refused with what to do');
	is(await opt.locator('#token').getAttribute('aria-invalid'), 'true', '... and the token field is marked');

	// before anything is saved the product page asks for the settings
	const early = await collect(ctx, 1001);
	is(early.state, 'setup', 'unconfigured: the panel asks for the settings');
	has(early.message, '[설정]', '... and says where to put them');

	// a well-formed token revlens does not know
	await opt.locator('#token').fill(`rli_${'A'.repeat(43)}`);
	await opt.locator('#check').click();
	await opt.waitForFunction(() => /\b(ok|error)\b/.test(document.getElementById('status').className));
	has(await status.textContent(), '받아들이지 않았습니다(401)', '연결 확인 with an unknown token: revlens refused it (401)');
	has(await status.textContent(), '/me/tokens', '... and the message says where to make one');

	await opt.locator('#token').fill(env('REVLENS_INGEST_TOKEN'));
	await opt.locator('#check').click();
	await opt.waitForFunction(() => !/받아들이지/.test(document.getElementById('status').textContent));
	await opt.waitForFunction(() => /\b(ok|error)\b/.test(document.getElementById('status').className));
	has(await status.textContent(), '토큰이 유효합니다', '연결 확인 reaches revlens with the token');
	await opt.locator('#save').click();
	has(await status.textContent(), '저장했습니다', 'the settings are saved');
	await shot(opt, 'collector-options.png', true);
	await opt.reload();
	is(await opt.locator('#revlens-url').inputValue(), base, 'the saved revlens address is shown again');
	is(await opt.locator('#max-pages').inputValue(), '50', 'the page cap defaults to 50');
	await opt.close();

	// ---- 1001 normal: 35 reviews, price, survey
	const r1 = await collect(ctx, 1001, { keep: true });
	is(r1.state, 'done', '1001: the panel says done');
	has(r1.message, '상품평 35개', '1001: 35 reviews sent');
	is(r1.pages, '4 / 4', '1001: 4 of 4 pages');
	is(r1.errors, '0', '1001: no errors');
	has(await panel(r1.page).locator('.rl-badge').textContent(), '완료', '1001: the badge says 완료');
	is(await r1.page.locator('#revlens-collector .rl-send').textContent(), '다시 보내기',
		'1001: the button now offers to send again');
	await shot(r1.page, 'collector-1001-done.png');
	await r1.page.close();

	// ---- 1002 empty
	const r2 = await collect(ctx, 1002);
	is(r2.state, 'done', '1002 (no reviews): done');
	has(r2.message, '아직 상품평이 없습니다', '1002: says there are none');

	// ---- 1003 edited: collected, edited on Coupang, collected again
	const r3 = await collect(ctx, 1003);
	has(r3.message, '상품평 12개', '1003: 12 reviews sent');
	is(await control('/__control/edit?productId=1003'), 200, '1003: a review is edited on the fake Coupang');
	const r3b = await collect(ctx, 1003);
	is(r3b.state, 'done', '1003 again: done');

	// ---- 1004 rate-limited: waits for Retry-After and goes on
	const r4 = await collect(ctx, 1004);
	is(r4.state, 'done', '1004 (429 twice on page 2): done after waiting');
	has(r4.message, '상품평 25개', '1004: all 25 reviews sent');

	// ---- 1005 blocked
	const r5 = await collect(ctx, 1005, { keep: true });
	is(r5.state, 'blocked', '1005 (403 Access Denied): the panel says blocked');
	has(r5.message, '차단', '1005: in Korean, saying it was blocked');
	has(r5.message, '다시 시도하세요', '1005: and what to do');
	await shot(r5.page, 'collector-1005-blocked.png');
	await r5.page.close();

	// ---- 1006 malformed page 2: skipped, the rest sent
	const r6 = await collect(ctx, 1006);
	is(r6.state, 'done', '1006 (page 2 not JSON): done');
	has(r6.message, '상품평 15개', '1006: the 15 readable reviews sent');
	has(r6.message, '건너뛰었습니다', '1006: the unreadable page is reported');
	is(r6.errors, '1', '1006: one error counted');

	// ---- 1007 server error on page 1
	const r7 = await collect(ctx, 1007);
	is(r7.state, 'failed', '1007 (503 every time): failed');
	has(r7.message, '503', '1007: the message names the status');

	// ---- the page cap from the options: 1 page of 1006
	const opt2 = await ctx.newPage();
	await opt2.goto(`chrome-extension://${extId}/options.html`);
	await opt2.locator('#max-pages').fill('1');
	await opt2.locator('#save').click();
	has(await opt2.locator('#status').textContent(), '저장했습니다', 'the page cap is set to 1');
	await opt2.close();
	const rc = await collect(ctx, 1006);
	is(rc.state, 'done', '1006 with a cap of 1 page: done');
	is(rc.pages, '1 / 1', '... after 1 page');
	has(rc.message, '상품평 10개', '... and 10 reviews');
	has(rc.message, '최대 페이지 수(1쪽)까지만', '... saying the cap stopped it');
}

async function main() {
	if (!base || !shotDir) {
		console.log('1..1');
		console.log('not ok 1 - usage: node collector.mjs REVLENS_BASE_URL SCREENSHOT_DIR');
		process.exit(1);
	}
	mkdirSync(shotDir, { recursive: true });
	const watchdog = setTimeout(() => {
		ok(false, `the whole browser run finished within ${WATCHDOG / 1000} s (watchdog fired)`);
		console.log(`1..${n}`);
		process.exit(1);
	}, WATCHDOG);

	const userData = mkdtempSync(join(tmpdir(), 'revlens-collector-'));
	let ctx;
	try {
		const ext = env('REVLENS_COLLECTOR');
		ctx = await chromium.launchPersistentContext(userData, {
			executablePath: EXECUTABLE, headless: false, viewport: VIEWPORT, locale: 'ko-KR',
			args: ['--headless=new', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`,
				`--host-resolver-rules=MAP www.coupang.com:443 127.0.0.1:${env('REVLENS_FAKE_PORT')}`,
				`--ignore-certificate-errors-spki-list=${env('REVLENS_FAKE_SPKI')}`, ...ARGS],
		});
		ctx.setDefaultTimeout(TIMEOUT);
		ctx.setDefaultNavigationTimeout(TIMEOUT);
		note(`chromium ${ctx.browser()?.version() ?? ''}, revlens ${base}`);
		await run(ctx);
	} catch (e) {
		ok(false, 'the browser run went on to the end (it stopped with an error)', oneLine(e && e.message));
		note(String(e && e.stack || e));
	}
	try {
		if (ctx) await ctx.close();
	} catch (e) {
		note(`closing the browser: ${e.message}`);
	}
	rmSync(userData, { recursive: true, force: true });
	clearTimeout(watchdog);
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

main();
