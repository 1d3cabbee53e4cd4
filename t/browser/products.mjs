// t/browser/products.mjs — the product pages in a real browser (headless Debian chromium
// driven by playwright-core): the list, registering by Coupang URL (desktop and mobile
// forms of one product, a refused short link), search with its pager, a product page,
// the search history with 지우기.  Screenshots of every page.
//
//   node t/browser/products.mjs BASE_URL SCREENSHOT_DIR
//
// Needs from t/integ/browser.t: a user made with `revlens user add` (REVLENS_USER_EMAIL,
// REVLENS_USER_PASSWORD, REVLENS_USER_NAME) and, inserted with SQL, 25 products named
// "매일두유 오리지널 190ml N팩" (N = 1..25) priced 9900 + 1000 × N won, and a few others
// without 두유 in their names.  TAP and exit status as accounts.mjs (see lib.mjs).
import {
	main, ok, is, has, url, pathOf, hangul, newContext, newPage, shot, submit, navWho, login,
	pageErrors,
} from './lib.mjs';

const email = process.env.REVLENS_USER_EMAIL;
const password = process.env.REVLENS_USER_PASSWORD;
const name = process.env.REVLENS_USER_NAME;

const COUPANG_ID = '7335597976';
const DESKTOP = `https://www.coupang.com/vp/products/${COUPANG_ID}` +
	'?itemId=18693648420&vendorItemId=85834568412&q=두유';
const MOBILE = `m.coupang.com/vm/products/${COUPANG_ID}`;
const SHORT = 'https://link.coupang.com/a/abc';
const QUERY = '두유';
const SOY = /^매일두유 오리지널 190ml (\d+)팩$/;
const soyPrice = (packs) => `${(9900 + 1000 * packs).toLocaleString("en-US")}원`;  // "14,900원"

const text = async (loc) => ((await loc.first().textContent().catch(() => '')) ?? '').trim();

async function register(page, value) {
	await page.locator('#f-url').fill(value);
	return submit(page, 'main form[action="/products"] button[type=submit]:has-text("등록")', '/products');
}

// A GET navigation started by `action` (a click), waited for until the page has loaded.
async function follow(page, action) {
	const [resp] = await Promise.all([
		page.waitForNavigation({ waitUntil: 'load' }),
		action(),
	]);
	return resp;
}

const resultRows = (page) => page.locator('main table.list tbody tr');
const rowNames = (page) => resultRows(page).locator('td:first-child a').allTextContents();

async function run(browser) {
	ok(email && password, 'browser.t made a user account');
	if (!email || !password)
		return;
	const ctx = await newContext(browser);
	const page = await newPage(ctx);

	// a. the list as a visitor: no register form, a log-in link that comes back here
	let resp = await page.goto(url('/products'));
	is(resp.status(), 200, 'products: GET /products is 200 for a visitor');
	is(await page.locator('#f-url').count(), 0, 'products: no register form for a visitor');
	const toLogin = page.locator('main a[href="/login?next=%2Fproducts"]');
	is(await toLogin.count(), 1, 'products: a visitor is offered a log-in that returns to /products');
	await follow(page, () => toLogin.click());
	await login(page, email, password);
	is(pathOf(page), '/products', 'products: log-in lands back on /products');
	if (name)
		is(await navWho(page), `${name}님`, 'products: the nav shows the user');
	is(await page.locator('header nav a[href="/products"]', { hasText: '상품' }).count(), 1,
		'products: the nav links to 상품');
	is(await page.locator('header nav a[href="/history"]', { hasText: '검색 기록' }).count(), 1,
		'products: the nav links to 검색 기록');
	is(await page.locator('#f-url').count(), 1, 'products: the register form is there when logged in');
	is(await page.locator('#f-q').getAttribute('name'), 'q', 'products: the search field (q)');
	has(await text(page.locator('main p.muted')), '최근 등록된 상품', 'products: the newest products are listed');
	is(await resultRows(page).count(), 20, 'products: 20 products on the first page of the list');
	await shot(page, 'products.png');

	// b. register by the desktop address (with trackers)
	resp = await register(page, DESKTOP);
	is(resp.status(), 303, 'register: a Coupang product address answers 303');
	const m = /^\/products\/(\d+)\?new=1$/.exec(pathOf(page));
	ok(m, 'register: lands on /products/{id}?new=1', pathOf(page));
	const id = m ? m[1] : 'none';
	has(await text(page.locator('.notice.ok')), '상품을 등록했습니다', 'register: the notice 상품을 등록했습니다');
	has(await text(page.locator('main h1')), '이름 아직 수집되지 않음', 'register: the name is not known yet');
	has(await text(page.locator('main h1')), COUPANG_ID, 'register: the heading shows the Coupang product id');
	const facts = page.locator('main dl.facts');
	is(await text(facts.locator('dt:has-text("상품 번호") + dd')), COUPANG_ID, 'register: 상품 번호 is the productId');
	has(await text(facts.locator('dt:has-text("가격") + dd')), '아직 수집되지 않음', 'register: no price yet');
	is(await facts.locator('dt:has-text("쿠팡에서 보기") + dd a').getAttribute('href'),
		`https://www.coupang.com/vp/products/${COUPANG_ID}`,
		'register: the Coupang link is the canonical address (query dropped)');
	has(await text(page.locator('main section.card').nth(1)), '아직 분석한 적이 없습니다',
		'register: no analysis yet');
	await shot(page, 'product-new.png');

	// c. the same product by its mobile address: the same page, no "registered" notice
	await page.goto(url('/products'));
	resp = await register(page, MOBILE);
	is(resp.status(), 303, 'register again: the mobile address answers 303');
	is(pathOf(page), `/products/${id}`, 'register again: the same product (same id, no ?new=1)');
	is(await page.locator('.notice.ok').count(), 0, 'register again: no 등록했습니다 notice');

	// d. a short link is refused beside the field
	await page.goto(url('/products'));
	resp = await register(page, SHORT);
	is(resp.status(), 422, 'register: a link.coupang.com short link answers 422');
	is(pathOf(page), '/products', 'register: the form comes back on /products');
	const reason = await text(page.locator('#e-url'));
	ok(hangul.test(reason), 'register: a Korean reason beside the field (#e-url)', JSON.stringify(reason));
	has(reason, '단축 주소는 받지 않습니다', 'register: the reason names the short link');
	is(await page.locator('#f-url').getAttribute('aria-invalid'), 'true', 'register: the field is marked invalid');
	is(await page.locator('#f-url').getAttribute('aria-describedby'), 'e-url',
		'register: the field is described by its reason');
	is(await page.locator('#f-url').inputValue(), SHORT, 'register: the typed address is kept');
	await shot(page, 'products-error.png');

	// e. search 두유: 25 results over two pages
	await page.locator('#f-q').fill(QUERY);
	await follow(page, () => page.locator('main form.search button[type=submit]').click());
	let u = new URL(page.url());
	ok(u.pathname === '/products' && u.searchParams.get('q') === QUERY && !u.searchParams.has('page'),
		'search: the form goes to /products?q=두유', page.url());
	has(await text(page.locator('main p.muted')), `‘${QUERY}’ 검색 결과 25개`, 'search: 검색 결과 25개');
	is(await page.locator('#f-q').inputValue(), QUERY, 'search: the query stays in the field');
	is(await resultRows(page).count(), 20, 'search: 20 rows on page 1');
	const names1 = await rowNames(page);
	ok(names1.every((s) => SOY.test(s.trim())), 'search: every row is a 두유 product', JSON.stringify(names1));
	const pager = page.locator('main nav.pager');
	has(await text(pager), '1 / 2쪽', 'search: the pager says 1 / 2쪽');
	is(await pager.locator('a', { hasText: '← 이전' }).count(), 0, 'search: no 이전 on page 1');
	await shot(page, 'search.png');
	await follow(page, () => pager.locator('a', { hasText: '다음 →' }).click());
	u = new URL(page.url());
	ok(u.searchParams.get('q') === QUERY && u.searchParams.get('page') === '2',
		'search: 다음 → goes to page=2 of the same query', page.url());
	is(await resultRows(page).count(), 5, 'search: 5 rows on page 2');
	has(await text(pager), '2 / 2쪽', 'search: the pager says 2 / 2쪽');
	is(await pager.locator('a', { hasText: '다음 →' }).count(), 0, 'search: no 다음 on the last page');
	is(await pager.locator('a', { hasText: '← 이전' }).count(), 1, 'search: 이전 on page 2');
	const names2 = await rowNames(page);
	is(new Set([...names1, ...names2].map((s) => s.trim())).size, 25,
		'search: the two pages hold 25 different products');
	await shot(page, 'search-page2.png');

	// f. a result's page: its name and price
	const row = resultRows(page).first();
	const rowName = await text(row.locator('td').nth(0));
	const rowPrice = await text(row.locator('td').nth(1));
	const packs = Number((SOY.exec(rowName) || [])[1]);
	is(rowPrice, soyPrice(packs), 'search: the row shows the price in 원');
	await follow(page, () => row.locator('td:first-child a').click());
	ok(/^\/products\/\d+$/.test(pathOf(page)), 'product: a result opens /products/{id}', pathOf(page));
	is(await text(page.locator('main h1')), rowName, 'product: the heading is the product name');
	is(await text(page.locator('main dl.facts dt:has-text("가격") + dd')), soyPrice(packs),
		'product: the price');
	has(await page.title(), rowName, 'product: the title has the name');
	await shot(page, 'product.png');

	// g. the search history: 두유 once (page 2 is not a new search), then 지우기
	await follow(page, () => page.locator('header nav a[href="/history"]').click());
	is(pathOf(page), '/history', 'history: the nav link leads to /history');
	const hist = resultRows(page);
	is(await hist.count(), 1, 'history: one search recorded');
	const link = hist.first().locator('td:first-child a');
	is(await text(link), QUERY, 'history: the search 두유');
	const href = await link.getAttribute('href');
	const hu = new URL(href ?? '', url('/'));
	ok(hu.pathname === '/products' && hu.searchParams.get('q') === QUERY,
		'history: it links to the search again', href);
	is(await text(hist.first().locator('td').nth(1)), '25개', 'history: with its result count');
	await shot(page, 'history.png');
	const form = hist.first().locator('form');
	const action = await form.getAttribute('action');
	ok(/^\/history\/\d+\/delete$/.test(action ?? ''), 'history: the row has a delete form', action);
	resp = await submit(page, `main form[action="${action}"] button:has-text("지우기")`, action);
	is(resp.status(), 303, 'history: 지우기 answers 303');
	is(pathOf(page), '/history?deleted=1', 'history: back on /history');
	has(await text(page.locator('.notice.ok')), '검색 기록을 지웠습니다', 'history: the notice 지웠습니다');
	is(await resultRows(page).count(), 0, 'history: the search is gone');
	has(await text(page.locator('main .empty')), '아직 검색한 기록이 없습니다', 'history: the empty message');
	await ctx.close();

	ok(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join('\n'));
}

await main('products.mjs', run);
