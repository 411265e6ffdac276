// devagent's openai provider against an independent OpenAI-compatible server
// from the npm registry (@dwmkerr/mock-llm), not our own fake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { devagentBinary, freePort, run, waitForHttp } from './helpers.mjs';

const require = createRequire(import.meta.url);
const mockMain = require.resolve('@dwmkerr/mock-llm/dist/main.js');

let mock;
let port;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'devagent-mock-llm-'));
  // Echo the last user message, streamed in small chunks.
  writeFileSync(join(dir, 'mock-llm.yaml'), `
streaming:
  chunkSize: 7
  chunkIntervalMs: 5
rules:
  - path: "/v1/chat/completions"
    method: "POST"
    match: "@"
    response:
      status: 200
      content: |
        {"id": "chatcmpl-1", "object": "chat.completion", "model": "{{jmes request body.model}}",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "{{jmes request body.messages[-1].content}}"},
                      "finish_reason": "stop"}]}
  - path: "/v1/models"
    method: "GET"
    response:
      status: 200
      content: |
        {"object": "list", "data": [{"id": "mock-model", "object": "model", "owned_by": "mock"}]}
`);
  port = await freePort();
  mock = spawn(process.execPath, [mockMain], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  await waitForHttp(`http://127.0.0.1:${port}/v1/models`);
});

after(() => {
  mock?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

// State goes to the temporary directory, never into the source tree.
const env = () => ({ OPENAI_BASE_URL: `http://127.0.0.1:${port}`, OPENAI_API_KEY: 'test-key', DEVAGENT_DATA_DIR: join(dir, 'data') });

test('devagent ask --provider openai streams the reply of an independent server', async () => {
  const question = 'Explain the repository layout in one sentence, please.';
  const r = await run(devagentBinary(), ['ask', '--provider', 'openai', '--model', 'mock-model', question], env());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), question);
});

test('devagent providers checks the independent server', async () => {
  const r = await run(devagentBinary(), ['providers', '--json'], env());
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const openai = out.providers.find((p) => p.name === 'openai');
  assert.ok(openai, r.stdout);
  assert.equal(openai.healthy, true, JSON.stringify(openai));
  assert.equal(openai.models, 1);
  assert.equal(out.providers.at(-1).name, 'builtin');
});
