// t/browser/lib.mjs — what the browser scripts (accounts.mjs, products.mjs) share: the
// TAP helpers, the page helpers and main(), which reads the command line, starts the
// watchdog and the browser, runs the script's flows and prints the plan.
//
//   import { main, ok, is, ... } from './lib.mjs';
//   await main('name.mjs', async (browser) => { ... });
//
// A script prints TAP ("ok N - ...", "not ok N - ...", "# ..." comments and the plan
// "1..N" at the end) and exits 1 when a check failed, a step threw, or the 120 s
// watchdog fired.  Nothing here downloads a browser: it is Debian's /usr/bin/chromium.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const EXECUTABLE = '/usr/bin/chromium';
export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const TIMEOUT = 15000;
export const WATCHDOG = 120000;
export const VIEWPORT = { width: 1280, height: 800 };

// BASE_URL and SCREENSHOT_DIR from the command line, set by main()
export let base;
export let shotDir;

// ---------------------------------------------------------------- TAP helpers

let n = 0;
let failed = 0;
export const oneLine = (s) => String(s).replace(/\s+/g, ' ').replace(/#/g, '♯').trim();

export function ok(cond, desc, detail) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${oneLine(desc)}`);
	} else {
		failed++;
		console.log(`not ok ${n} - ${oneLine(desc)}`);
		if (detail !== undefined)
			for (const l of String(detail).split('\n')) console.log(`#   ${l}`);
	}
	return !!cond;
}

export function is(got, want, desc) {
	return ok(got === want, desc, `got:      ${JSON.stringify(got)}\nexpected: ${JSON.stringify(want)}`);
}

export function has(text, part, desc) {
	const t = String(text ?? '');
	return ok(t.includes(part), desc,
		`expected to contain: ${JSON.stringify(part)}\nin: ${JSON.stringify(t.slice(0, 400))}`);
}

export function note(msg) {
	// (playwright's error messages carry terminal colour codes)
	for (const l of String(msg).replace(/\x1b\[[0-9;]*m/g, '').split('\n')) console.log(`# ${l}`);
}

// ---------------------------------------------------------------- page helpers

export const url = (path) => base + path;
export const pathOf = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };
export const hangul = /[\uAC00-\uD7A3]/;

export async function newContext(browser, opts = {}) {
	const ctx = await browser.newContext({ viewport: VIEWPORT, locale: 'ko-KR', ...opts });
	ctx.setDefaultTimeout(TIMEOUT);
	ctx.setDefaultNavigationTimeout(TIMEOUT);
	return ctx;
}

export const pageErrors = [];
export async function newPage(ctx) {
	const page = await ctx.newPage();
	page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
	return page;
}

export async function shot(page, name) {
	const file = join(shotDir, name);
	await page.screenshot({ path: file, fullPage: true });
	note(`screenshot: ${file}`);
}

// Click the submit button `button` and wait for the POST's final page; returns the
// response of the POST itself (its status, before any redirect).
export async function submit(page, button, action) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'POST' &&
			new URL(r.url()).pathname === action),
		page.locator(button).click(),
	]);
	await page.waitForLoadState('load');
	return resp;
}

export const navWho = async (page) => {
	const who = page.locator('header nav .who');
	return (await who.count()) ? (await who.textContent()).trim() : null;
};
export const navHasLogin = async (page) =>
	(await page.locator('header nav a[href="/login"]', { hasText: '로그인' }).count()) === 1;

export async function login(page, email, password, action = 'button[type=submit]:has-text("로그인")') {
	await page.locator('#f-email').fill(email);
	await page.locator('#f-password').fill(password);
	return submit(page, `main ${action}`, '/login');
}

export async function logout(page) {
	return submit(page, 'header nav button:has-text("로그아웃")', '/logout');
}

// ---------------------------------------------------------------- the run

// Run `run(browser)` as script `script` (the name for the usage line): exits the process
// with the plan printed, 0 when every point passed.
export async function main(script, run) {
	[base, shotDir] = process.argv.slice(2);
	if (!base || !shotDir) {
		console.log('1..1');
		console.log(`not ok 1 - usage: node ${script} BASE_URL SCREENSHOT_DIR`);
		process.exit(1);
	}
	mkdirSync(shotDir, { recursive: true });

	const watchdog = setTimeout(() => {
		n++;
		console.log(`not ok ${n} - the whole browser run finished within ${WATCHDOG / 1000} s (watchdog fired)`);
		console.log(`1..${n}`);
		process.exit(1);
	}, WATCHDOG);

	let browser;
	try {
		browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args: ARGS });
		note(`chromium ${browser.version()}, ${base}`);
		await run(browser);
	} catch (e) {
		n++;
		failed++;
		console.log(`not ok ${n} - the browser run went on to the end (it stopped with an error)`);
		note(String(e && e.stack || e));
	}
	try {
		if (browser) await browser.close();
	} catch (e) {
		note(`closing the browser: ${e.message}`);
	}
	clearTimeout(watchdog);
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}
