// devagent's OpenAI-compatible API (docs/openai-api.md) driven by the official
// `openai` npm client: the agent as model "devagent" (offline, in a small git
// repository), gateway calls through fake upstreams (tests/support
// fake-upstream), tool calls, the model list, embeddings and error shapes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import OpenAI from 'openai';
import { devagentBinary } from './helpers.mjs';

const children = [];
let root;
let offline;  // OpenAI client of a server without providers: the agent answers offline
let gateway;  // OpenAI client of a server with fake upstreams configured
let gatewayUrl;
let budgeted;  // OpenAI client of a server whose daily token budget is tiny

function cleanEnv(extra) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('DEVAGENT_') && !/^(OPENAI|ANTHROPIC|OLLAMA|GITHUB)_/.test(k),
    ),
  );
  return { ...env, ...extra };
}

// Starts a program and resolves with the URL it prints on its first lines.
function startListening(cmd, args, { env = {}, cwd } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start: ${out}\n${err}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => fail(new Error(`${cmd} exited with ${code}: ${err}`)));
  });
}

function client(url) {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 60000 });
}

function git(cwd, ...args) {
  execFileSync('git', args, {
    cwd,
    env: cleanEnv({
      GIT_AUTHOR_NAME: 'Ada Lovelace', GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada Lovelace', GIT_COMMITTER_EMAIL: 'ada@example.com',
    }),
    stdio: 'ignore',
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'devagent-openai-api-'));
  const repo = join(root, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'src/api.h'), '#pragma once\nint serve();\n');
  writeFileSync(join(repo, 'src/api.cpp'), '#include "api.h"\nint serve() { return 0; }\n');
  writeFileSync(join(repo, 'src/main.cpp'), '#include "api.h"\nint main() { return serve(); }\n');
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');

  const fake = join(dirname(devagentBinary()), 'fake-upstream');
  const text = await startListening(fake, ['--text', 'Hello from the fake upstream.', '--chunks', '3']);
  const tool = await startListening(fake, ['--tool', 'get_weather', '--tool-args', '{"city":"Paris"}',
    '--piece-bytes', '4']);
  const broken = await startListening(fake, ['--fail-status', '401']);
  const slow = await startListening(fake, ['--text', 'one two three four five six seven eight nine ten',
    '--chunks', '10', '--delay-ms', '300']);

  const common = { DEVAGENT_LISTEN: '127.0.0.1:0', DEVAGENT_LOG_LEVEL: 'warn' };
  mkdirSync(join(root, 'data-offline'));
  mkdirSync(join(root, 'data-gateway'));
  offline = client(await startListening(devagentBinary(), ['--data-dir', join(root, 'data-offline'), 'serve'],
    { env: common, cwd: repo }));
  gatewayUrl = await startListening(devagentBinary(), ['--data-dir', join(root, 'data-gateway'), 'serve'], {
    cwd: repo,
    env: {
      ...common,
      OPENAI_BASE_URL: text, OPENAI_API_KEY: 'test-key',
      DEVAGENT_PROVIDERS_TOOLY_TYPE: 'openai', DEVAGENT_PROVIDERS_TOOLY_BASE_URL: tool,
      DEVAGENT_PROVIDERS_TOOLY_API_KEY: 'test-key', DEVAGENT_PROVIDERS_TOOLY_MODEL: 'tool-model',
      DEVAGENT_PROVIDERS_BROKEN_TYPE: 'openai', DEVAGENT_PROVIDERS_BROKEN_BASE_URL: broken,
      DEVAGENT_PROVIDERS_BROKEN_API_KEY: 'bad-key',
      DEVAGENT_PROVIDERS_SLOW_TYPE: 'openai', DEVAGENT_PROVIDERS_SLOW_BASE_URL: slow,
      DEVAGENT_PROVIDERS_SLOW_API_KEY: 'test-key',
    },
  });
  gateway = client(gatewayUrl);
  mkdirSync(join(root, 'data-budget'));
  budgeted = client(await startListening(devagentBinary(), ['--data-dir', join(root, 'data-budget'), 'serve'],
    { env: { ...common, DEVAGENT_BUDGETS_DAILY_TOKENS: '10' }, cwd: repo }));
});

after(() => {
  for (const c of children) c.kill('SIGTERM');
  if (root) rmSync(root, { recursive: true, force: true });
});

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  return { chunks, content };
}

function assertUsage(usage) {
  assert.ok(usage, 'usage is present');
  assert.ok(usage.prompt_tokens > 0, JSON.stringify(usage));
  assert.ok(usage.completion_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.equal(typeof usage.prompt_tokens_details.cached_tokens, 'number');
}

test('model devagent answers a greeting (not streaming)', async () => {
  const r = await offline.chat.completions.create({ model: 'devagent', messages: [{ role: 'user', content: 'hello!' }] });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, 'devagent');
  assert.equal(typeof r.created, 'number');
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].index, 0);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.equal(r.choices[0].finish_reason, 'stop');
  assertUsage(r.usage);
});

test('model devagent streams the answer to a code question, with usage', async () => {
  const stream = await offline.chat.completions.create({
    model: 'devagent',
    messages: [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'where is serve defined?' },
    ],
    stream: true,
    stream_options: { include_usage: true },
  });
  const { chunks, content } = await collect(stream);
  assert.ok(content.includes('src/api.cpp:2'), content);
  assert.ok(!content.includes('task_started'), 'progress is not content');
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.id, chunks[0].id);
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.equal(finish.length, 1);
  assert.equal(finish[0].choices[0].finish_reason, 'stop');
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assertUsage(last.usage);
});

test('a gateway model answers through the router (not streaming)', async () => {
  const r = await gateway.chat.completions.create({
    model: 'openai:gpt-4o',
    messages: [{ role: 'user', content: 'Say hello' }],
    temperature: 0.2,
    max_tokens: 50,
  });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'openai:gpt-4o');
  assert.equal(r.choices[0].message.content, 'Hello from the fake upstream.');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assertUsage(r.usage);
});

test('a bare model name resolves to the provider whose default it is', async () => {
  const r = await gateway.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.choices[0].message.content, 'Hello from the fake upstream.');
});

test('a gateway model streams deltas and a final usage chunk', async () => {
  const stream = await gateway.chat.completions.create({
    model: 'openai:gpt-4o',
    messages: [{ role: 'user', content: 'Say hello' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const { chunks, content } = await collect(stream);
  assert.equal(content, 'Hello from the fake upstream.');
  assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content).length >= 2, 'more than one content delta');
  assert.equal(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop').length, 1);
  assertUsage(chunks.at(-1).usage);
});

test('tool calls pass through (not streaming), and tool results go back', async () => {
  const tools = [{
    type: 'function',
    function: { name: 'get_weather', description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  }];
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const r = await gateway.chat.completions.create({ model: 'tooly:tool-model', messages, tools });
  const choice = r.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  assert.equal(choice.message.tool_calls.length, 1);
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.ok(call.id);
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });

  // The conversation continues with the tool's result, in OpenAI's format.
  const next = await gateway.chat.completions.create({
    model: 'openai:gpt-4o',
    tools,
    messages: [...messages, choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp": 21}' }],
  });
  assert.equal(next.choices[0].message.content, 'Hello from the fake upstream.');
});

test('tool call deltas stream in OpenAI form', async () => {
  const stream = await gateway.chat.completions.create({
    model: 'tooly:tool-model',
    messages: [{ role: 'user', content: 'Weather in Paris?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    stream: true,
  });
  const { chunks } = await collect(stream);
  const pieces = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
  assert.ok(pieces.length >= 2, JSON.stringify(pieces));
  assert.equal(pieces[0].index, 0);
  assert.equal(pieces[0].type, 'function');
  assert.equal(pieces[0].function.name, 'get_weather');
  assert.ok(pieces[0].id);
  const args = pieces.map((p) => p.function?.arguments ?? '').join('');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
  assert.equal(chunks.at(-1).usage, undefined, 'no usage without stream_options.include_usage');
});

test('models lists devagent and the configured provider models', async () => {
  const ids = [];
  for await (const m of gateway.models.list()) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.ok(m.owned_by);
    ids.push(m.id);
  }
  assert.equal(ids[0], 'devagent');
  for (const id of ['openai:gpt-4o-mini', 'tooly:tool-model', 'builtin:builtin']) assert.ok(ids.includes(id), ids.join());

  const offlineIds = [];
  for await (const m of offline.models.list()) offlineIds.push(m.id);
  assert.deepEqual(offlineIds, ['devagent', 'builtin:builtin']);
});

test('embeddings come back for a string and for a list, in both encodings', async () => {
  const one = await offline.embeddings.create({ input: 'parse the config file' });
  assert.equal(one.object, 'list');
  assert.equal(one.data.length, 1);
  assert.equal(one.data[0].object, 'embedding');
  assert.ok(one.data[0].embedding.length > 0);
  assert.ok(one.usage.prompt_tokens > 0);
  assert.equal(one.usage.total_tokens, one.usage.prompt_tokens);

  // The SDK asks for base64 unless told otherwise; both must decode alike.
  const float = await offline.embeddings.create({ input: ['parse the config file', 'open a socket'],
    encoding_format: 'float' });
  assert.equal(float.data.length, 2);
  assert.deepEqual(float.data.map((d) => d.index), [0, 1]);
  const a = one.data[0].embedding;
  const b = float.data[0].embedding;
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6);
  const norm = Math.sqrt(b.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-3, `unit vector, norm ${norm}`);
});

test('errors come back in OpenAI shape with the right status', async () => {
  await assert.rejects(
    offline.chat.completions.create({ model: 'devagent', messages: [] }),
    (e) => e instanceof OpenAI.APIError && e.status === 400 && e.type === 'invalid_request_error' &&
      e.param === 'messages',
  );
  await assert.rejects(
    offline.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.type === 'invalid_request_error' && e.code === 'model_not_found',
  );
  await assert.rejects(
    offline.chat.completions.create({ model: 'devagent', n: 2, messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e.status === 400 && e.param === 'n',
  );
  await assert.rejects(
    offline.embeddings.create({ input: [] }),
    (e) => e.status === 400 && e.param === 'input',
  );
  // The upstream refuses devagent's key: 401, before any output, also when streaming.
  await assert.rejects(
    gateway.chat.completions.create({ model: 'broken:gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    (e) => e instanceof OpenAI.AuthenticationError && e.type === 'authentication_error',
  );
});

test('a client that leaves mid-stream cancels the upstream call', async () => {
  const stream = await gateway.chat.completions.create({
    model: 'slow:gpt-4o', messages: [{ role: 'user', content: 'count' }], stream: true,
  });
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) break;  // leaving the loop aborts the request
  }
  // The upstream would take 3 s to finish; the usage log says the attempt was cancelled well before.
  const deadline = Date.now() + 2500;
  for (;;) {
    const res = await fetch(`${gatewayUrl}/api/v1/usage?by=outcome`);
    const report = await res.json();
    if (report.groups.some((g) => g.key === 'cancelled')) break;
    assert.ok(Date.now() < deadline, `no cancelled attempt: ${JSON.stringify(report)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('a spent budget is 429 insufficient_quota with Retry-After', async () => {
  await assert.rejects(
    budgeted.chat.completions.create({ model: 'builtin', messages: [{ role: 'user', content: 'hello there' }] }),
    (e) => e instanceof OpenAI.RateLimitError && e.type === 'insufficient_quota' && e.code === 'insufficient_quota' &&
      Number(e.headers.get('retry-after')) > 0,
  );
});
