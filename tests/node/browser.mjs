// Helpers for the browser tests: a throwaway git repository with known files,
// the real `devagent serve` started inside it (offline: no provider
// variables), and Debian's Chromium driven by playwright-core. Playwright's
// own browser downloads are never used.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { devagentBinary } from './helpers.mjs';

export const CHROMIUM = process.env.TEST_CHROMIUM || '/usr/bin/chromium';

// The files every browser test's repository holds. NOTES.md is hostile on
// purpose: it is quoted in answers and must stay inert in the page.
export const REPO_FILES = {
  'README.md': '# Webdemo\n\nA small demo repository for the web UI tests.\n',
  'NOTES.md':
    '# Notes\n\n<script>window.__injected = true; alert("injected")</script>\n\n' +
    '[x](javascript:alert(1))\n\n<img src=x onerror="window.__injected = true">\n',
  'src/app.py': 'from util import helper\n\n\ndef main():\n    print(helper())\n',
  'src/util.py': 'def helper():\n    return 42\n',
  'web/index.js': "import { render } from './render.js';\n\nrender(document.body);\n",
  'web/render.js': 'export function render(root) {\n  root.textContent = "hello";\n}\n',
};

export function makeRepository() {
  const dir = mkdtempSync(join(tmpdir(), 'devagent-web-repo-'));
  for (const [path, text] of Object.entries(REPO_FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.email=test@example.com', '-c', 'user.name=Test', 'commit', '-qm', 'init');
  return dir;
}

// Starts `devagent serve` on a free port inside `repo`; resolves to
// {url, stop()}. The environment carries no provider keys, so the agent
// answers with its builtin offline engine.
// TEST_WEB_SERVER=<script> starts `node <script> <web/dist>` instead (a
// stand-in API for developing the UI; the suite itself runs the binary).
// `extraEnv` adds variables (a provider, for the tests that need a model).
export function startServer(repo, extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'devagent-web-data-'));
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('DEVAGENT_') && !/^(OPENAI|ANTHROPIC|OLLAMA)_/.test(k)),
    ),
    ...extraEnv,
  };
  const [cmd, args] = process.env.TEST_WEB_SERVER
    ? [process.execPath, [process.env.TEST_WEB_SERVER, join(dirname(new URL(import.meta.url).pathname), '../../web/dist')]]
    : [devagentBinary(), ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir]];
  const child = spawn(cmd, args, {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`devagent serve did not start:\n${stderr}`)), 30000);
    child.on('exit', (code) => fail(new Error(`devagent serve exited with ${code}:\n${stderr}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      ok({
        url: m[1],
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.on('exit', (code) => {
              rmSync(dataDir, { recursive: true, force: true });
              done(code);
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

// The fake LLM upstream (build/fake-upstream, speaking OpenAI's streaming
// format) with the given flags; resolves to {url, stop()}.
export function startFakeUpstream(args) {
  const child = spawn(join(dirname(devagentBinary()), 'fake-upstream'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`fake-upstream did not start:\n${stderr}`)), 15000);
    child.on('exit', (code) => fail(new Error(`fake-upstream exited with ${code}:\n${stderr}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      ok({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
  });
}

// Headless Debian Chromium with a fresh profile. Every request that leaves
// the devagent origin is aborted and recorded in `external`.
// With { intercept: false } such requests are only recorded, not aborted:
// Playwright's routing disables Chromium's HTTP cache, and Chromium then sends
// "Cache-Control: no-cache" with every request, which devagent honours as
// "do not answer from the response cache".
export async function launchBrowser(origin, { intercept = true } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'devagent-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const external = [];
  const local = (url) => url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:');
  if (intercept) {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (local(url)) return route.continue();
      external.push(url);
      return route.abort();
    });
  } else {
    context.on('request', (request) => {
      if (!local(request.url())) external.push(request.url());
    });
  }
  return {
    context,
    external,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A new page that records dialogs (alert/confirm), console errors and CSP
// violations.
export async function openPage(browser, url) {
  const page = await browser.context.newPage();
  const dialogs = [];
  const consoleErrors = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    // Chromium asks for /favicon.ico when it does not intercept requests; the
    // app has none, and its 404 is not an error of the page.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('#composer');
  return { page, dialogs, consoleErrors };
}
