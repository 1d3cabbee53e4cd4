// t/browser/requests.mjs — analysis requests and the watch list in a real browser (headless
// Debian chromium driven by playwright-core): 분석 요청 from a product page, the request
// page following `revlens progress-demo` live over nchan's EventSource (the bar moves with
// no navigation, then the page reloads itself and shows 완료), /requests, the polling
// fallback (?transport=polling) on a second product, and 관심 상품에 추가 with a target
// price.  Screenshots of every page.
//
//   node t/browser/requests.mjs BASE_URL SCREENSHOT_DIR
//
// Needs from t/integ/browser.t: the user of products.mjs (REVLENS_USER_EMAIL,
// REVLENS_USER_PASSWORD), two products nobody has asked about (REVLENS_PRODUCT_IDS="A,B";
// A is priced 12,980원), and the CLI to play the worker: REVLENS_CLI (the revlens binary)
// and REVLENS_CONF (the stack's revlens.conf).  TAP and exit status as accounts.mjs.
import { spawn } from 'node:child_process';
import {
	main, ok, is, has, note, url, pathOf, newContext, newPage, shot, submit, login, pageErrors,
	TIMEOUT,
} from './lib.mjs';

const email = process.env.REVLENS_USER_EMAIL;
const password = process.env.REVLENS_USER_PASSWORD;
const cli = process.env.REVLENS_CLI;
const conf = process.env.REVLENS_CONF;
const [productA, productB] = (process.env.REVLENS_PRODUCT_IDS ?? '').split(',');
const STEP_MS = 600;
const STEPS = [10, 35, 60, 85, 95];   // progress-demo's running steps, then done at 100

const text = async (loc) => ((await loc.first().textContent().catch(() => '')) ?? '').trim();

// Reject after ms (every wait here is bounded).
const within = (ms, what, p) => Promise.race([p, new Promise((_, no) =>
	setTimeout(() => no(new Error(`${what}: nothing within ${ms / 1000} s`)), ms))]);

// `revlens progress-demo --step-ms STEP_MS id` in the background; .done resolves to
// { code, out, err } (code null when it had to be killed).
function progressDemo(id) {
	const child = spawn(cli, ['-c', conf, 'progress-demo', '--step-ms', String(STEP_MS), id],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', err = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { err += d; });
	const done = new Promise((resolve) => {
		child.on('error', (e) => resolve({ code: -1, out, err: err + String(e) }));
		child.on('close', (code) => resolve({ code, out, err }));
	});
	const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
	done.then(() => clearTimeout(timer));
	return { done };
}

// Record every change of the request card in node: each mutation reports the bar's value,
// data-status, data-transport and a token of the document it happened in (a reload makes
// a new one).  Returns { seen, waitFor(pred) }.
async function recorder(page) {
	const seen = [];
	const waiters = [];
	await page.exposeFunction('__revlensSeen', (v) => {
		seen.push(v);
		for (const w of [...waiters])
			if (w.pred(v)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(v); }
	});
	return {
		seen,
		async install() {
			await page.evaluate(() => {
				const root = document.querySelector('[data-live-request]');
				const token = Math.random().toString(36).slice(2);
				const report = () => window.__revlensSeen({
					token, value: root.querySelector('progress').value,
					status: root.getAttribute('data-status'),
					badge: root.querySelector('.status').textContent,
					percent: root.querySelector('.percent').textContent,
					transport: root.getAttribute('data-transport'),
				});
				new MutationObserver(report).observe(root,
					{ attributes: true, childList: true, subtree: true, characterData: true });
				report();
			});
		},
		waitFor(pred, what) {
			const hit = seen.find(pred);
			if (hit) return Promise.resolve(hit);
			return within(TIMEOUT, what, new Promise((resolve) => waiters.push({ pred, resolve })));
		},
	};
}

// The distinct bar values in the order they were seen.
const distinct = (seen) => seen.map((s) => s.value).filter((v, i, a) => i === 0 || v !== a[i - 1]);

// Click 분석 요청 on product `pid`'s page; returns the request id (or null).
async function ask(page, pid, label) {
	await page.goto(url(`/products/${pid}`));
	const resp = await submit(page, `main form[action="/products/${pid}/analyze"] button:has-text("분석 요청")`,
		`/products/${pid}/analyze`);
	is(resp.status(), 303, `${label}: 분석 요청 answers 303`);
	const m = /^\/requests\/(\d+)$/.exec(pathOf(page));
	ok(m, `${label}: lands on /requests/{id}`, pathOf(page));
	return m ? m[1] : null;
}

async function run(browser) {
	ok(email && password && cli && conf && productA && productB,
		'browser.t passed the user, the CLI, its configuration and two products');
	if (!(email && password && cli && conf && productA && productB))
		return;
	const ctx = await newContext(browser);
	const page = await newPage(ctx);
	const consoleMsgs = [];
	page.on('console', (m) => {
		if (m.type() !== 'error' && m.type() !== 'warning')
			return;
		const msg = `${m.type()}: ${m.text()} (${m.location().url || pathOf(page)})`;
		// the site has no /favicon.ico (Chromium asks for it once): noted, not a failure
		if (/\/favicon\.ico$/.test(m.location().url ?? ''))
			note(msg);
		else
			consoleMsgs.push(msg);
	});
	page.on('response', (r) => {
		if (r.status() >= 400) note(`HTTP ${r.status()} for ${new URL(r.url()).pathname}`);
	});
	const navs = [];
	page.on('framenavigated', (f) => { if (f === page.mainFrame()) navs.push(f.url()); });
	const liveRequests = [];
	page.on('request', (r) => {
		const p = new URL(r.url()).pathname;
		if (p.startsWith('/live/') || /^\/requests\/\d+\/status$/.test(p)) liveRequests.push(p);
	});
	const rec = await recorder(page);

	await page.goto(url('/login'));
	await login(page, email, password);
	is(pathOf(page), '/', 'log-in: the user is in');

	// a. 분석 요청 on product A: the request page, queued, subscribed over EventSource
	const idA = await ask(page, productA, 'request A');
	if (!idA)
		return;
	const card = page.locator(`main section.card.request[data-live-request="${idA}"]`);
	is(await card.count(), 1, 'request A: the live card (data-live-request) is there');
	is(await card.getAttribute('data-status'), 'queued', 'request A: data-status="queued"');
	is(await text(card.locator('.status')), '대기 중', 'request A: the badge says 대기 중');
	is(await card.locator('progress.bar').evaluate((b) => b.value), 0, 'request A: the bar is at 0');
	is(await page.locator('script[src="/static/live.js"]').count(), 1, 'request A: the page loads live.js');
	await shot(page, 'request-queued.png');
	const sub = await page.locator(`[data-live-request="${idA}"][data-transport="eventsource"]`)
		.waitFor({ timeout: TIMEOUT }).then(() => true, () => false);
	ok(sub, 'request A: the EventSource opens (data-transport="eventsource")',
		`data-transport=${await card.getAttribute('data-transport')}; console:\n${consoleMsgs.join('\n')}`);

	// b. progress-demo moves it; the bar follows in the same document, then the page reloads
	await rec.install();
	const navsBefore = navs.length;
	const t0 = Date.now();
	const demoA = progressDemo(idA);
	const mid = await rec.waitFor((s) => s.value >= 35 && s.value < 100, 'a value ≥ 35 and < 100')
		.catch((e) => { note(e.message); return null; });
	if (mid) {
		await shot(page, 'request-running.png');
		note(`request-running.png at ${mid.value}% (${Date.now() - t0} ms after progress-demo started)`);
	}
	ok(mid, 'request A: the bar reaches 35–95 % while progress-demo runs');
	const done = await rec.waitFor((s) => s.status === 'done', 'data-status="done"')
		.catch((e) => { note(e.message); return null; });
	ok(done, 'request A: the card turns done in place', JSON.stringify(rec.seen));
	const navsAtDone = navs.length;
	const reloaded = await within(TIMEOUT, 'the reload', new Promise((resolve) => {
		const check = () => (navs.length > navsAtDone ? resolve(true) : setTimeout(check, 50));
		check();
	})).catch((e) => { note(e.message); return false; });
	await page.waitForLoadState('load');
	const resA = await demoA.done;
	is(resA.code, 0, 'request A: progress-demo exits 0', resA.err);
	note(`request A: ${Date.now() - t0} ms from progress-demo to the reloaded page`);

	const vals = distinct(rec.seen);
	note(`request A: bar values seen live: ${vals.join(' → ')}`);
	const inter = vals.filter((v) => STEPS.includes(v));
	ok(inter.length >= 3, 'request A: at least 3 of the steps 10/35/60/85/95 seen live', vals.join(','));
	ok(vals.every((v, i) => i === 0 || v > vals[i - 1]), 'request A: the values only go up', vals.join(','));
	ok(vals.length > 0 && vals[vals.length - 1] === 100, 'request A: the bar reaches 100 before the reload');
	is(new Set(rec.seen.map((s) => s.token)).size, 1, 'request A: every value was seen in one document');
	is(navsAtDone, navsBefore, 'request A: no navigation while the bar moved', navs.slice(navsBefore).join('\n'));
	ok(rec.seen.every((s) => s.transport === 'eventsource'), 'request A: over EventSource all along',
		[...new Set(rec.seen.map((s) => s.transport))].join(','));
	ok(done && done.badge === '완료' && done.percent === '100%', 'request A: the live badge 완료 and 100%',
		JSON.stringify(done));
	ok(reloaded, 'request A: the page reloads itself after the end');
	is(pathOf(page), `/requests/${idA}`, 'request A: still /requests/{id} after the reload');
	is(await card.getAttribute('data-status'), 'done', 'request A: reloaded as data-status="done"');
	is(await text(card.locator('.status')), '완료', 'request A: reloaded with the badge 완료');
	is(await text(card.locator('.percent')), '100%', 'request A: reloaded with 100%');
	is(await card.locator('progress.bar').evaluate((b) => b.value), 100, 'request A: reloaded with the bar full');
	is(await page.locator('script[src="/static/live.js"]').count(), 0, 'request A: no live script any more');
	has(await text(card.locator('dl.facts')), '끝난 때', 'request A: 끝난 때 shown');
	ok(liveRequests.some((p) => p === `/live/requests/${idA}`), 'request A: the page subscribed to /live/requests/{id}');
	await shot(page, 'request-done.png');

	// c. /requests lists it, 완료
	await page.goto(url('/requests'));
	const rowA = page.locator('main table.list tbody tr', { has: page.locator(`a[href="/requests/${idA}"]`) });
	is(await rowA.count(), 1, '/requests: lists request A');
	is(await text(rowA.locator('.status')), '완료', '/requests: request A is 완료');
	is(await text(rowA.locator('td').nth(2)), '100%', '/requests: request A at 100%');
	await shot(page, 'requests.png');

	// d. product B, with ?transport=polling: the fallback follows it to the end too
	const idB = await ask(page, productB, 'request B');
	if (!idB)
		return;
	await page.goto(url(`/requests/${idB}?transport=polling`));
	const cardB = page.locator(`main section.card.request[data-live-request="${idB}"]`);
	const polling = await page.locator(`[data-live-request="${idB}"][data-transport="polling"]`)
		.waitFor({ timeout: TIMEOUT }).then(() => true, () => false);
	ok(polling, 'request B: ?transport=polling gives data-transport="polling"',
		`data-transport=${await cardB.getAttribute('data-transport')}`);
	is(await text(cardB.locator('.status')), '대기 중', 'request B: the badge says 대기 중');
	rec.seen.length = 0;
	liveRequests.length = 0;
	await rec.install();
	const navsB = navs.length;
	const t1 = Date.now();
	const demoB = progressDemo(idB);
	const doneB = await rec.waitFor((s) => s.status === 'done', 'request B data-status="done"')
		.catch((e) => { note(e.message); return null; });
	ok(doneB, 'request B: the card turns done in place', JSON.stringify(rec.seen));
	const navsAtDoneB = navs.length;
	const reloadedB = await within(TIMEOUT, 'the reload', new Promise((resolve) => {
		const check = () => (navs.length > navsAtDoneB ? resolve(true) : setTimeout(check, 50));
		check();
	})).catch((e) => { note(e.message); return false; });
	await page.waitForLoadState('load');
	const resB = await demoB.done;
	is(resB.code, 0, 'request B: progress-demo exits 0', resB.err);
	const valsB = distinct(rec.seen);
	note(`request B: bar values seen by polling: ${valsB.join(' → ')} (${Date.now() - t1} ms)`);
	ok(valsB.length >= 2 && valsB.every((v, i) => i === 0 || v > valsB[i - 1]) && valsB.at(-1) === 100,
		'request B: the bar moves up to 100 by polling', valsB.join(','));
	is(navsAtDoneB, navsB, 'request B: no navigation while the bar moved');
	ok(rec.seen.every((s) => s.transport === 'polling'), 'request B: polling all along');
	ok(!liveRequests.some((p) => p.startsWith('/live/')), 'request B: no EventSource request',
		liveRequests.join(','));
	ok(liveRequests.some((p) => p === `/requests/${idB}/status`), 'request B: it polled /requests/{id}/status');
	ok(reloadedB, 'request B: the page reloads itself after the end');
	is(pathOf(page), `/requests/${idB}?transport=polling`, 'request B: the reload keeps ?transport=polling');
	is(await text(cardB.locator('.status')), '완료', 'request B: reloaded with the badge 완료');
	is(await text(cardB.locator('.percent')), '100%', 'request B: reloaded with 100%');
	await shot(page, 'request-polling-done.png');

	// e. 관심 상품에 추가 on product A with a target of 20,000원 (its price 12,980원 is below)
	await page.goto(url(`/products/${productA}`));
	const name = await text(page.locator('main h1'));
	await page.locator('#f-target').fill('20000');
	const resp = await submit(page, 'main form[action="/watchlist"] button:has-text("관심 상품에 추가")', '/watchlist');
	is(resp.status(), 303, 'watchlist: 관심 상품에 추가 answers 303');
	is(pathOf(page), '/watchlist?saved=1', 'watchlist: lands on /watchlist?saved=1');
	has(await text(page.locator('.notice.ok')), '관심 상품을 저장했습니다', 'watchlist: the notice 저장했습니다');
	const rowW = page.locator('main table.watch tbody tr', { has: page.locator(`a[href="/products/${productA}"]`) });
	is(await rowW.count(), 1, 'watchlist: the product is listed');
	has(await text(rowW.locator('td').nth(0)), name, 'watchlist: by its name');
	is(await text(rowW.locator('td').nth(1)), '12,980원', 'watchlist: its current price');
	is(await rowW.locator('input[name=target_price]').inputValue(), '20000', 'watchlist: the target 20000');
	has(await text(rowW.locator('td').nth(0)), '목표가 도달', 'watchlist: 목표가 도달 (12,980원 ≤ 20,000원)');
	is(await text(rowW.locator('td').nth(3)), '완료', 'watchlist: the latest analysis 완료');
	await shot(page, 'watchlist.png');
	await ctx.close();

	ok(consoleMsgs.length === 0, 'no console errors or warnings', consoleMsgs.join('\n'));
	ok(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join('\n'));
}

await main('requests.mjs', run);
