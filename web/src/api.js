// The devagent HTTP API as the UI uses it. Every failure becomes an Error
// whose message is the server's {"error": {"message"}} when there is one.
import { readEvents } from './sse.js';

async function failure(res) {
  let message = `${res.status} ${res.statusText}`;
  try {
    const doc = await res.json();
    if (doc?.error?.message) message = doc.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new Error(message);
}

// API keys (docs/security.md): when the server answers 401, the UI asks for
// a key once and keeps it for this tab in sessionStorage; every request
// then sends it as "Authorization: Bearer <key>".
const KEY_ITEM = 'devagent.apiKey';

function withKey(init) {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key ? { ...init, headers: { ...init.headers, Authorization: `Bearer ${key}` } } : init;
}

async function send(path, init) {
  const res = await fetch(path, withKey(init));
  if (res.status !== 401) return res;
  const key = window.prompt('This devagent server needs an API key (devagent keys create --name NAME):');
  if (!key || !key.trim()) return res;
  sessionStorage.setItem(KEY_ITEM, key.trim());
  return fetch(path, withKey(init));
}

async function request(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await send(path, init);
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : null;
}

export const listConversations = () => request('GET', '/api/v1/conversations');
export const getConversation = (id) => request('GET', `/api/v1/conversations/${encodeURIComponent(id)}`);
export const deleteConversation = (id) => request('DELETE', `/api/v1/conversations/${encodeURIComponent(id)}`);
export const cancelRun = (id) => request('POST', `/api/v1/runs/${encodeURIComponent(id)}/cancel`);
// The usage report; params are GET /api/v1/usage's query (since, until, by, user).
export const getUsage = (params = {}) => request('GET', `/api/v1/usage?${new URLSearchParams(params)}`);
// {"enabled": false, "kinds": {}} when the cache is off.
export const getCacheStats = () => request('GET', '/api/v1/cache/stats');
export const sendFeedback = (messageId, rating) =>
  request('POST', `/api/v1/messages/${encodeURIComponent(messageId)}/feedback`, { rating });

// Starts a chat run and calls onEvent(kind, data) for every event until the
// stream ends. Resolves when it ends; rejects on HTTP or network failure.
export async function chat({ conversationId, message, offline }, onEvent, signal) {
  const body = { message };
  if (conversationId) body.conversation_id = conversationId;
  if (offline) body.options = { offline: true };
  const res = await send('/api/v1/chat', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok) throw await failure(res);
  await readEvents(res.body, (e) => {
    let data;
    try {
      data = JSON.parse(e.data);
    } catch {
      data = { message: e.data };
    }
    onEvent(e.event, data);
  });
}
