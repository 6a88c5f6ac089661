// Runs pa11y (HTML_CodeSniffer and axe, WCAG2AA) on several pages in one Chromium, for
// tests/browser/test_pa11y.py. Reads a job from stdin and writes one result per page to stdout:
//
//   {"tools": "<folder holding node_modules/pa11y>", "chromium": "/usr/bin/chromium",
//    "args": [...], "viewport": {...}, "language": "nb-NO,nb;q=0.9",
//    "cookies": {"<who>": [...]},
//    "pages": [{"name": "...", "url": "...", "who": "<who>", "actions": ["..."],
//               "expect": "<selector of an element the state judged must show>"}]}
//
// Each person (nobody signed in, the patient, the nurse) gets a browser context holding only
// their own cookies (those of a Playwright context that signed in) and one tab that goes from
// page to page, so a page is judged exactly as that person sees it; pa11y's `actions` then reach
// states that need a form post (a step with errors). Cookies are set on the context rather than
// sent with pa11y's `headers` option: pa11y adds headers to the first request only, so a form
// posted by an action would arrive without the session and fail.
'use strict';

const path = require('node:path');
const {createRequire} = require('node:module');

/** The tab of the person who sees a page: made on first use, in a context of their own. */
async function tabOf(browser, job, tabs, who) {
	if (!tabs.has(who)) {
		const context = await browser.createBrowserContext();
		if (job.cookies[who].length) {
			await context.setCookie(...job.cookies[who]);
		}
		const page = await context.newPage();
		await page.setExtraHTTPHeaders({'Accept-Language': job.language});
		await page.setViewport(job.viewport);
		tabs.set(who, page);
	}
	return tabs.get(who);
}

/** pa11y on one page, as the person who sees it. */
async function judge(pa11y, page, job, wanted) {
	// The portal's pages are whole at "load" (its scripts are deferred, nothing is fetched
	// later), which saves pa11y's wait for half a second of network quiet on every page.
	await page.goto(wanted.url, {waitUntil: 'load'});
	const found = await pa11y(wanted.url, {
		browser: page.browser(), page, ignoreUrl: true, actions: wanted.actions || [],
		viewport: job.viewport, runners: ['htmlcs', 'axe'], standard: 'WCAG2AA',
		includeWarnings: true, includeNotices: false, timeout: 30000,
	});
	// The page as judged: where it ended up, its language, and whether the element that shows
	// the state asked for (an error summary, say) is there and visible.
	const shown = await page.evaluate((selector) => ({
		lang: document.documentElement.lang,
		expected: selector ? Boolean(document.querySelector(selector)
			?.checkVisibility({visibilityProperty: true})) : null,
	}), wanted.expect || null);
	return {name: wanted.name, asked: wanted.url, url: page.url(), title: found.documentTitle,
		expect: wanted.expect || null, ...shown, issues: found.issues};
}

async function main() {
	const job = JSON.parse(require('node:fs').readFileSync(0, 'utf-8'));
	const fromPa11y = createRequire(path.join(job.tools, 'node_modules', 'pa11y', 'package.json'));
	const pa11y = fromPa11y('pa11y');
	const puppeteer = fromPa11y('puppeteer');
	const browser = await puppeteer.launch({executablePath: job.chromium, args: job.args,
		headless: true});
	const results = [];
	const tabs = new Map();
	try {
		for (const wanted of job.pages) {
			const page = await tabOf(browser, job, tabs, wanted.who);
			results.push(await judge(pa11y, page, job, wanted));
		}
	} finally {
		await browser.close();
	}
	process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
