// The web UI in headless Chromium (Debian's, driven by playwright-core)
// against the real `devagent serve`, started in a throwaway git repository
// and answering with the builtin offline engine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CHROMIUM, launchBrowser, makeRepository, openPage, startFakeUpstream, startServer } from './browser.mjs';

const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const haveChromium = existsSync(CHROMIUM);

let repo;
let server;
let browser;
// A second server whose model is the fake upstream: it answers every call
// with HOSTILE_ANSWER, slowly (40 chunks, 150 ms apart), so a run can be
// stopped for certain and model output can carry raw HTML.
let fake;
let modelServer;
let modelBrowser;
const HOSTILE_ANSWER =
  'Model says: <script>window.__injected = "script"</script> ' +
  '<img src="x" onerror="window.__injected = \'img\'"> ' +
  '<a href="javascript:window.__injected = \'link\'">raw link</a> ' +
  '[markdown link](javascript:window.__injected=1) ' +
  '<iframe src="javascript:window.__injected = \'frame\'"></iframe> ' +
  '<svg onload="window.__injected = \'svg\'"><circle r="1"/></svg> ' +
  '<form action="javascript:alert(1)"><button>go</button></form> the end.';
let chatAvailable = false;
let conversationsAvailable = false;

before(async () => {
  if (!haveChromium) return;
  repo = makeRepository();
  server = await startServer(repo);
  browser = await launchBrowser(server.url);
  fake = await startFakeUpstream(['--text', HOSTILE_ANSWER, '--chunks', '40', '--delay-ms', '150']);
  modelServer = await startServer(repo, {
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'test-key',
    DEVAGENT_ROUTES_DECOMPOSITION: 'openai:gpt-4o',
    DEVAGENT_ROUTES_RESPONSE: 'openai:gpt-4o',
  });
  modelBrowser = await launchBrowser(modelServer.url);
  // The chat API and the conversation store arrive separately from the UI:
  // the tests that need them say so when they are missing.
  const chat = await fetch(`${server.url}/api/v1/chat`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
  chatAvailable = chat.status !== 404 && chat.status !== 405;
  const list = await fetch(`${server.url}/api/v1/conversations`);
  conversationsAvailable = list.ok;
});

after(async () => {
  await modelBrowser?.close();
  const modelCode = await modelServer?.stop();
  fake?.stop();
  await browser?.close();
  const code = await server?.stop();
  if (repo) rmSync(repo, { recursive: true, force: true });
  if (code !== undefined && code !== 0) throw new Error(`devagent serve exited with ${code}:\n${server.stderr()}`);
  if (modelCode !== undefined && modelCode !== 0) {
    throw new Error(`devagent serve (with a model) exited with ${modelCode}:\n${modelServer.stderr()}`);
  }
});

const skipUnless = (t, ok, what) => {
  if (!haveChromium) {
    t.skip(`no Chromium at ${CHROMIUM}`);
    return true;
  }
  if (!ok) {
    t.skip(`waits for ${what}`);
    return true;
  }
  return false;
};

// Submits a question with the offline engine and returns the new assistant
// message's locator once its answer is complete.
async function ask(page, question) {
  const before = await page.locator('.message.assistant').count();
  await page.check('#offline');
  await page.fill('#question', question);
  await page.click('#send');
  const message = page.locator('.message.assistant').nth(before);
  await message.locator('.answer[data-done="true"]').waitFor({ state: 'attached', timeout: 60000 });
  return message;
}

test('the page, its assets and their headers', async (t) => {
  if (skipUnless(t, true, '')) return;
  const res = await fetch(`${server.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the page');
  const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
  assert.ok(script?.startsWith('/assets/'), html);

  // ETag and If-None-Match → 304, for the page and an asset.
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}(-gzip)?"$/);
  const again = await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);

  // gzip only when the client accepts it (fetch in Node sends Accept-Encoding
  // and decodes; raw bytes are checked with an explicit header).
  const plain = await fetch(`${server.url}${script}`, { headers: { 'Accept-Encoding': 'identity' } });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.match(plain.headers.get('content-type'), /^text\/javascript/);
  assert.match(plain.headers.get('cache-control'), /immutable/);
  const body = Buffer.from(await plain.arrayBuffer());
  const gz = await fetch(`${server.url}${script}`, { headers: { 'Accept-Encoding': 'gzip, deflate' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.notEqual(gz.headers.get('etag'), plain.headers.get('etag'));
  const notModified = await fetch(`${server.url}${script}`, { headers: { 'Accept-Encoding': 'identity', 'If-None-Match': plain.headers.get('etag') } });
  assert.equal(notModified.status, 304);
  assert.ok(body.length > 1000);

  const missing = await fetch(`${server.url}/assets/nope.js`);
  assert.equal(missing.status, 404);
  // Raw gzip bytes decode to the same file.
  const { request } = await import('node:http');
  const raw = await new Promise((ok, fail) => {
    request(`${server.url}${script}`, { headers: { 'Accept-Encoding': 'gzip' } }, (r) => {
      const parts = [];
      r.on('data', (d) => parts.push(d));
      r.on('end', () => ok(Buffer.concat(parts)));
    }).on('error', fail).end();
  });
  assert.deepEqual(gunzipSync(raw), body);
});

test('the page loads in Chromium under its CSP, offline', async (t) => {
  if (skipUnless(t, true, '')) return;
  const { page, consoleErrors } = await openPage(browser, `${server.url}/`);
  assert.equal(await page.title(), 'devagent');
  assert.ok(await page.isVisible('#new-conversation'));
  // Nothing refused by the CSP, no script errors, nothing fetched from
  // anywhere but the server itself.
  const unexpected = consoleErrors.filter((e) => !/api\/v1\/conversations/.test(e));
  assert.deepEqual(unexpected, []);
  assert.deepEqual(browser.external, []);
  await page.close();
});

test('an answer streams in over several paints, with the plan timeline, tokens and a language chart', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  const { page, consoleErrors } = await openPage(browser, `${server.url}/`);
  // Count changes of the answer and the lengths it shows at each frame,
  // until the run marks it done.
  await page.evaluate(() => {
    window.__answer = { mutations: 0, lengths: [] };
    const messages = document.getElementById('messages');
    new MutationObserver((records) => {
      for (const r of records) {
        const answer = r.target.closest?.('.answer') ?? r.target.parentElement?.closest('.answer');
        if (answer && answer.dataset.done !== 'true') window.__answer.mutations += 1;
      }
    }).observe(messages, { childList: true, subtree: true, characterData: true });
    const sample = () => {
      const answer = messages.querySelector('.answer');
      if (answer && answer.dataset.done !== 'true') window.__answer.lengths.push(answer.textContent.length);
      if (!answer || answer.dataset.done !== 'true') requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
  const message = await ask(page, 'What languages does this repository use?');
  const seen = await page.evaluate(() => window.__answer);
  const growing = [...new Set(seen.lengths.filter((n) => n > 0))];
  assert.ok(seen.mutations > 1, `answer changed ${seen.mutations} times before the end`);
  assert.ok(growing.length > 1, `answer lengths seen at frames: ${JSON.stringify(seen.lengths)}`);

  // The plan timeline: every task done, with a duration.
  const tasks = message.locator('.timeline .task');
  assert.ok((await tasks.count()) >= 1);
  for (const state of await tasks.evaluateAll((els) => els.map((e) => e.dataset.state))) assert.equal(state, 'done');
  assert.match(await tasks.first().locator('.task-tool').textContent(), /analyzeRepository/);
  assert.notEqual(await tasks.first().locator('.task-duration').textContent(), '');

  // Tokens and cost in the footer; the language table drawn as an SVG chart.
  assert.match(await message.locator('.meta').textContent(), /builtin.*tokens.*\$/);
  const chart = message.locator('figure.chart svg.language-chart');
  await chart.waitFor();
  assert.ok((await chart.locator('rect').count()) >= 2);
  assert.match(await chart.textContent(), /Python/);
  assert.deepEqual(consoleErrors.filter((e) => !/api\/v1\/conversations/.test(e)), []);
  await page.close();
});

test('a Mermaid diagram is drawn as SVG', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  const { page, consoleErrors } = await openPage(browser, `${server.url}/`);
  const message = await ask(page, 'Show the import graph between the files of this repository');
  const svg = message.locator('figure.diagram svg');
  await svg.waitFor({ timeout: 30000 });
  assert.ok((await svg.locator('g').count()) > 0);
  assert.equal(await message.locator('pre.mermaid-source').count(), 0);
  // Mermaid sets style attributes while it lays the diagram out; the CSP
  // refuses them (and app.css styles the diagram instead). Nothing else may
  // go wrong.
  const other = consoleErrors.filter((e) => !/api\/v1\/conversations|Applying inline style violates/.test(e));
  assert.deepEqual(other, []);
  await page.close();
});

test('repository content quoted in an answer stays inert', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  const { page, dialogs } = await openPage(browser, `${server.url}/`);
  const message = await ask(page, 'Show me the file NOTES.md');
  const answer = message.locator('.answer');
  assert.match(await answer.textContent(), /alert/, 'the file is quoted');
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.equal(await answer.locator('script, img, iframe, object, embed').count(), 0);
  assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0);
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src));
  assert.ok(scripts.every((src) => src.startsWith(`${server.url}/assets/`)), JSON.stringify(scripts));
  await page.close();
});

test('raw HTML and javascript: links in model output stay inert', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  const { page, dialogs } = await openPage(modelBrowser, `${modelServer.url}/`);
  await page.uncheck('#offline');
  await page.fill('#question', 'Summarize the notes');
  await page.click('#send');
  const message = page.locator('.message.assistant').last();
  const answer = message.locator('.answer');
  await message.locator('.answer[data-done="true"]').waitFor({ state: 'attached', timeout: 60000 });
  // The text arrived, outside any code block, and was rendered as Markdown.
  assert.match(await answer.textContent(), /Model says:.*raw link.*markdown link.*the end\./s);
  assert.equal(await answer.locator('pre, code').count(), 0, 'not quoted in a code block');
  await page.waitForTimeout(300);
  assert.deepEqual(dialogs, []);
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.equal(await answer.locator('script, iframe, object, embed, form, svg[onload]').count(), 0);
  const handlers = await answer.evaluate((root) =>
    [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)));
  assert.deepEqual(handlers, []);
  assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0);
  // Clicking what is left of the links does nothing either.
  for (const link of await answer.locator('a').all()) await link.click({ noWaitAfter: true }).catch(() => {});
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__injected), undefined);
  assert.deepEqual(dialogs, []);
  await page.close();
});

test('Stop cancels a run mid-way', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  const { page } = await openPage(modelBrowser, `${modelServer.url}/`);
  // The cancel request itself goes to the server.
  let cancelled = false;
  await page.route('**/api/v1/runs/*/cancel', async (route) => {
    cancelled = true;
    await route.continue();
  });
  await page.uncheck('#offline');
  await page.fill('#question', 'Summarize this repository');
  await page.click('#send');
  // The model streams for about 6 s: Stop is pressed once some of it is shown.
  const message = page.locator('.message.assistant').last();
  await page.waitForFunction(() => {
    const answers = document.querySelectorAll('.message.assistant .answer');
    return answers.length > 0 && answers[answers.length - 1].textContent.includes('Model');
  }, null, { timeout: 30000 });
  await page.click('#stop');
  await message.locator('.answer[data-done="true"]').waitFor({ state: 'attached', timeout: 30000 });
  assert.ok(cancelled, 'the cancel endpoint was called');
  assert.ok(await page.isHidden('#stop'));
  assert.ok(await page.isEnabled('#send'));
  const shown = await message.locator('.answer').textContent();
  assert.doesNotMatch(shown, /the end\./, 'the answer stopped before its end');
  await page.waitForTimeout(1500);  // nothing more arrives after Stop
  assert.equal(await message.locator('.answer').textContent(), shown);
  await page.close();
});

test('a conversation is listed after a reload and opens again', async (t) => {
  if (skipUnless(t, chatAvailable && conversationsAvailable, 'the chat and conversation APIs')) return;
  const { page } = await openPage(browser, `${server.url}/`);
  const message = await ask(page, 'What languages does this repository use?');
  assert.ok(await message.locator('.feedback.up').isEnabled());
  await message.locator('.feedback.up').click();
  await page.waitForSelector('.message.assistant .feedback.up.active');
  const id = decodeURIComponent(new URL(page.url()).hash.slice(1));
  assert.ok(id, 'the page URL names the conversation');
  await page.reload();
  // The list holds the conversation; opening it shows both turns and the rating.
  const item = page.locator(`#conversations li[data-id="${id}"]`);
  await item.waitFor();
  await item.locator('.open').click();
  await page.locator('.message.user').first().waitFor();
  assert.equal(await page.locator('.message.user').count(), 1);
  assert.match(await page.locator('.message.user').first().textContent(), /What languages/);
  assert.match(await page.locator('.message.assistant .answer').first().textContent(), /Python/);
  await page.waitForSelector('.message.assistant .feedback.up.active');
  // Delete it: the list no longer has it.
  const count = await page.locator('#conversations li').count();
  await item.locator('.delete').click();
  await page.waitForFunction((n) => document.querySelectorAll('#conversations li').length === n - 1, count);
  assert.equal(await item.count(), 0);
  await page.close();
});

test('a fact stated in one conversation is recalled by a differently worded question in a new one', async (t) => {
  if (skipUnless(t, chatAvailable && conversationsAvailable, 'the chat and conversation APIs')) return;
  const { page } = await openPage(browser, `${server.url}/`);
  const noted = await ask(page, 'Our release manager for the mobile app is Priya Raman.');
  assert.match(await noted.locator('.answer').textContent(), /remember/i);
  await page.click('#new-conversation');
  await page.waitForFunction(() => document.querySelectorAll('.message.assistant').length === 0);
  const recalled = await ask(page, 'who manages mobile releases?');
  const text = await recalled.locator('.answer').textContent();
  assert.match(text, /From earlier conversations/);
  assert.match(text, /Priya Raman/);
  await page.close();
});

test('a repeated question is served from the response cache, and the usage view counts it', async (t) => {
  if (skipUnless(t, chatAvailable, 'the chat API (POST /api/v1/chat)')) return;
  // A server of its own, so the cache's counters hold this test's questions
  // only, and a browser that does not intercept requests (interception makes
  // Chromium send Cache-Control: no-cache, which skips the cache).
  const cacheServer = await startServer(repo);
  const cacheBrowser = await launchBrowser(cacheServer.url, { intercept: false });
  try {
    const { page, consoleErrors } = await openPage(cacheBrowser, `${cacheServer.url}/`);
    // Twice in one conversation: the second is an exact hit.
    const first = await ask(page, 'What is a mutex?');
    assert.ok(await first.locator('.from-cache').isHidden(), 'a fresh answer has no cache marker');
    const second = await ask(page, 'What is a mutex?');
    const marker = second.locator('.from-cache');
    assert.ok(await marker.isVisible(), 'the repeated answer has the cache marker');
    assert.equal(await marker.textContent(), 'from cache (exact match)');
    assert.match(await marker.getAttribute('title'), /Stored answer to: What is a mutex\? · stored \d+ s ago/);
    assert.equal(await second.locator('.answer').textContent(), await first.locator('.answer').textContent());

    const stat = (kind, name) => page.locator(`#cache-stats tr[data-kind="${kind}"] td[data-stat="${name}"]`).textContent();
    const openUsage = async () => {
      await page.click('#open-usage');
      await page.locator('#usage-view:not([aria-busy])').waitFor();
      assert.ok(await page.isHidden('#chat-view'));
    };
    await openUsage();
    assert.equal(await stat('response', 'exact_hits'), '1');
    assert.equal(await stat('response', 'semantic_hits'), '0');
    assert.equal(await stat('response', 'misses'), '1');
    assert.equal(await stat('response', 'hit_rate'), '50%');
    assert.equal(await stat('response', 'entries'), '1');
    assert.match(await stat('response', 'bytes'), /^\d+(\.\d)? (B|KiB)$/);
    assert.equal(await stat('response', 'tokens_saved'), '0');
    assert.equal(await stat('response', 'cost_saved_usd'), '$0.0000');
    assert.equal(await stat('total', 'exact_hits'), '1');
    for (const kind of ['decomposition', 'analysis']) assert.equal(await stat(kind, 'exact_hits'), '0');
    assert.match(await page.locator('#cache-stats .stats-note').textContent(), /^Size limit \d+ MiB; entries kept/);
    // The offline engine made no model calls.
    assert.match(await page.locator('#usage-models').textContent(), /No model calls recorded yet/);

    // Back to the chat, a third time, and the view shows the new counts when it opens again.
    await page.click('#close-usage');
    assert.ok(await page.isVisible('#chat-view'));
    const third = await ask(page, 'What is a mutex?');
    assert.equal(await third.locator('.from-cache').textContent(), 'from cache (exact match)');
    await openUsage();
    assert.equal(await stat('response', 'exact_hits'), '2');
    assert.equal(await stat('response', 'hit_rate'), '66.7%');

    // Refresh with the cache off, then failing, then hostile: a message in the
    // cache section, the rest of the view intact, values only ever as text.
    const refresh = async (body, status = 200) => {
      await page.unroute('**/api/v1/cache/stats');
      await page.route('**/api/v1/cache/stats', (route) =>
        route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) }));
      await page.click('#refresh-usage');
      await page.locator('#usage-view:not([aria-busy])').waitFor();
    };
    await refresh({ enabled: false, kinds: {} });
    assert.equal(await page.locator('#cache-stats').textContent(), 'The response cache is off (cache.enabled = false).');
    assert.equal(await page.locator('#cache-stats table').count(), 0);
    await refresh({ error: { type: 'internal', message: 'the store is unavailable' } }, 500);
    assert.equal(await page.locator('#cache-stats [role="alert"]').textContent(), 'Cache statistics unavailable: the store is unavailable');
    assert.match(await page.locator('#usage-models').textContent(), /No model calls recorded yet/);
    const hostile = '<img src=x onerror="window.__injected = 1">';
    await refresh({ enabled: true, kinds: { response: { exact_hits: hostile, misses: { html: hostile }, hit_rate: 'NaN', entries: 3 } }, total: hostile });
    assert.equal(await stat('response', 'exact_hits'), '–');
    assert.equal(await stat('response', 'misses'), '–');
    assert.equal(await stat('response', 'hit_rate'), '–');
    assert.equal(await stat('response', 'entries'), '3');
    assert.equal(await stat('total', 'exact_hits'), '–');
    assert.equal(await page.locator('#usage-view img').count(), 0);
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => window.__injected), undefined);

    // The only console errors are the browser's line about the 500 above.
    assert.deepEqual(consoleErrors.filter((e) => !/status of 500/.test(e)), []);
    assert.deepEqual(cacheBrowser.external, []);
    await page.close();
  } finally {
    await cacheBrowser.close();
    const code = await cacheServer.stop();
    assert.equal(code, 0, `devagent serve exited with ${code}:\n${cacheServer.stderr()}`);
  }
});
