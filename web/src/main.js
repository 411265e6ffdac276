// devagent's web UI: conversations on the left, the chat on the right. An
// answer streams in as tokens arrive; the plan's tasks show their state as
// the run goes; Markdown is rendered only after sanitising (markdown.js).
import './style.css';
import * as api from './api.js';
import { h } from './dom.js';
import { formatAge, formatCount, formatUsd, isNumber } from './format.js';
import { renderMarkdown } from './markdown.js';
import { usageView } from './usage.js';

const $ = (id) => document.getElementById(id);
const ui = {
  list: $('conversations'),
  title: $('conversation-title'),
  messages: $('messages'),
  form: $('composer'),
  question: $('question'),
  offline: $('offline'),
  send: $('send'),
  stop: $('stop'),
  newConversation: $('new-conversation'),
  chatView: $('chat-view'),
  usageView: $('usage-view'),
  openUsage: $('open-usage'),
  refreshUsage: $('refresh-usage'),
  closeUsage: $('close-usage'),
};
const usage = usageView({ root: ui.usageView, models: $('usage-models'), cache: $('cache-stats') });

const state = { conversationId: null, run: null };

function showProblem(text, kind = 'error') {
  const node = h('div', { class: kind, role: kind === 'error' ? 'alert' : 'status', text });
  ui.messages.append(node);
  node.scrollIntoView({ block: 'end' });
  return node;
}

// ---- views -----------------------------------------------------------------

// The chat and the usage view share the right-hand side; a run keeps going
// while the usage view is open.
function showChat() {
  ui.usageView.hidden = true;
  ui.chatView.hidden = false;
  ui.openUsage.classList.remove('active');
}

function showUsage() {
  ui.chatView.hidden = true;
  ui.usageView.hidden = false;
  ui.openUsage.classList.add('active');
  usage.refresh();
}

// ---- conversations -------------------------------------------------------

async function refreshConversations() {
  let doc;
  try {
    doc = await api.listConversations();
  } catch (err) {
    ui.list.replaceChildren(h('li', { class: 'error', text: `Conversations unavailable: ${err.message}` }));
    return;
  }
  const items = (doc?.conversations ?? []).map((c) =>
    h('li', { 'data-id': c.id, class: c.id === state.conversationId ? 'active' : '' },
      h('button', { type: 'button', class: 'open', title: c.title || c.id, text: c.title || 'Untitled', onclick: () => openConversation(c.id) }),
      h('button', { type: 'button', class: 'delete', title: 'Delete', 'aria-label': `Delete ${c.title || c.id}`, text: '×', onclick: () => removeConversation(c.id) })),
  );
  ui.list.replaceChildren(...items);
}

function startNewConversation() {
  showChat();
  if (state.run) return;
  state.conversationId = null;
  ui.title.textContent = 'New conversation';
  ui.messages.replaceChildren();
  history.replaceState(null, '', '/');
  refreshConversations();
  ui.question.focus();
}

async function openConversation(id) {
  showChat();
  if (state.run) return;
  let doc;
  try {
    doc = await api.getConversation(id);
  } catch (err) {
    showProblem(`Could not open the conversation: ${err.message}`);
    return;
  }
  state.conversationId = doc.id;
  ui.title.textContent = doc.title || 'Untitled';
  history.replaceState(null, '', `#${encodeURIComponent(doc.id)}`);
  ui.messages.replaceChildren();
  for (const m of doc.messages ?? []) {
    if (m.role === 'user') {
      ui.messages.append(userMessage(m.content));
    } else if (m.role === 'assistant') {
      const view = assistantMessage();
      ui.messages.append(view.root);
      renderMarkdown(view.answer, m.content ?? '');
      view.setMeta({ usage: m.usage, cost_usd: m.cost_usd, model: m.model });
      view.setFeedback(m.id, m.feedback ?? 0);
    }
  }
  refreshConversations();
}

async function removeConversation(id) {
  if (state.run) return;
  try {
    await api.deleteConversation(id);
  } catch (err) {
    showProblem(`Could not delete the conversation: ${err.message}`);
    return;
  }
  if (id === state.conversationId) startNewConversation();
  else refreshConversations();
}

// ---- messages ------------------------------------------------------------

function userMessage(text) {
  return h('div', { class: 'message user' }, h('div', { class: 'bubble', text }));
}

function formatDuration(ms) {
  if (ms === undefined || ms === null) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// answer_done's "cached" as {text, title} for the footer, or null when the
// answer was not served from the response cache. The text reads
// "from cache (semantic match, saved 1,200 tokens · $0.0030)"; what was saved
// is left out when it is nothing (the offline engine costs nothing).
function cacheMarker(cached) {
  if (cached === null || typeof cached !== 'object') return null;
  const match = cached.match === 'semantic' ? 'semantic match' : 'exact match';
  const saved = (isNumber(cached.tokens_saved) && cached.tokens_saved > 0) || (isNumber(cached.cost_saved_usd) && cached.cost_saved_usd > 0);
  const text = saved
    ? `from cache (${match}, saved ${formatCount(cached.tokens_saved)} tokens · ${formatUsd(cached.cost_saved_usd)})`
    : `from cache (${match})`;
  const title = [
    typeof cached.question === 'string' ? `Stored answer to: ${cached.question}` : null,
    isNumber(cached.age_ms) ? `stored ${formatAge(cached.age_ms)} ago` : null,
    cached.match === 'semantic' && isNumber(cached.similarity) ? `similarity ${cached.similarity.toFixed(2)}` : null,
  ].filter(Boolean).join(' · ');
  return { text, title };
}

// One assistant turn: plan timeline, notices, the answer, then a footer with
// tokens, cost and feedback buttons.
function assistantMessage() {
  const timeline = h('ol', { class: 'timeline', hidden: '' });
  const notices = h('div', { class: 'notices' });
  const answer = h('div', { class: 'answer markdown' });
  const meta = h('span', { class: 'meta' });
  const fromCache = h('span', { class: 'from-cache', hidden: '' });
  const up = h('button', { type: 'button', class: 'feedback up', title: 'Good answer', 'aria-label': 'Good answer', text: '+1', disabled: '' });
  const down = h('button', { type: 'button', class: 'feedback down', title: 'Bad answer', 'aria-label': 'Bad answer', text: '−1', disabled: '' });
  const footer = h('div', { class: 'message-footer' }, fromCache, meta, up, down);
  const root = h('div', { class: 'message assistant' }, timeline, notices, answer, footer);
  const tasks = new Map();
  let messageId = null;
  let rating = 0;

  const paintRating = () => {
    up.classList.toggle('active', rating === 1);
    down.classList.toggle('active', rating === -1);
    up.setAttribute('aria-pressed', String(rating === 1));
    down.setAttribute('aria-pressed', String(rating === -1));
  };
  const rate = async (value) => {
    if (!messageId) return;
    const next = rating === value ? 0 : value;
    try {
      await api.sendFeedback(messageId, next);
      rating = next;
      paintRating();
    } catch (err) {
      notices.append(h('div', { class: 'error', text: `Feedback not saved: ${err.message}` }));
    }
  };
  up.addEventListener('click', () => rate(1));
  down.addEventListener('click', () => rate(-1));

  const task = (id) => {
    let t = tasks.get(id);
    if (!t) {
      const label = h('span', { class: 'task-tool' });
      const args = h('span', { class: 'task-args' });
      const status = h('span', { class: 'task-status', text: 'pending' });
      const duration = h('span', { class: 'task-duration' });
      const detail = h('div', { class: 'task-detail' });
      const li = h('li', { class: 'task pending', 'data-task': id, 'data-state': 'pending' }, status, label, args, duration, detail);
      t = { li, label, args, status, duration, detail };
      tasks.set(id, t);
      timeline.append(li);
      timeline.hidden = false;
    }
    return t;
  };
  const setState = (t, name) => {
    t.li.className = `task ${name}`;
    t.li.dataset.state = name;
    t.status.textContent = name;
  };

  return {
    root,
    answer,
    timeline,
    plan(data) {
      for (const spec of data.tasks ?? []) {
        const t = task(spec.id);
        t.label.textContent = spec.tool;
        t.args.textContent = JSON.stringify(spec.arguments ?? {});
      }
    },
    started(data) {
      const t = task(data.id);
      t.label.textContent = data.tool ?? t.label.textContent;
      if (data.arguments) t.args.textContent = JSON.stringify(data.arguments);
      setState(t, 'running');
    },
    progress(data) {
      task(data.id).detail.textContent = data.message ?? '';
    },
    finished(data) {
      const t = task(data.id);
      setState(t, data.status === 'ok' ? 'done' : 'failed');
      if (data.status !== 'ok') t.status.textContent = data.status ?? 'failed';
      t.duration.textContent = formatDuration(data.duration_ms);
      t.detail.textContent = data.status === 'ok' ? (data.summary ?? '') : (data.error ?? '');
    },
    cancelPending() {
      for (const t of tasks.values()) {
        if (t.li.dataset.state === 'pending' || t.li.dataset.state === 'running') setState(t, 'cancelled');
      }
    },
    notice(text, kind = 'notice') {
      notices.append(h('div', { class: kind, role: kind === 'error' ? 'alert' : 'status', text }));
    },
    setMeta(done) {
      const parts = [];
      if (done.engine) parts.push(done.engine);
      if (done.model) parts.push(done.provider ? `${done.provider}/${done.model}` : done.model);
      if (done.usage) {
        const u = done.usage;
        let tokens = `${u.input_tokens ?? 0} in · ${u.output_tokens ?? 0} out tokens`;
        if (u.cached_input_tokens) tokens += ` (${u.cached_input_tokens} cached)`;
        parts.push(tokens);
      }
      if (typeof done.cost_usd === 'number') parts.push(`$${done.cost_usd.toFixed(4)}`);
      if (done.duration_ms !== undefined) parts.push(formatDuration(done.duration_ms));
      meta.textContent = parts.join(' · ');
      const cached = cacheMarker(done.cached);
      fromCache.hidden = !cached;
      fromCache.textContent = cached?.text ?? '';
      if (cached) fromCache.title = cached.title;
      else fromCache.removeAttribute('title');
    },
    setFeedback(id, value) {
      messageId = id ?? null;
      rating = value;
      up.disabled = down.disabled = !messageId;
      paintRating();
    },
  };
}

// ---- a run ---------------------------------------------------------------

function setRunning(running) {
  ui.send.disabled = running;
  ui.stop.hidden = !running;
  ui.stop.disabled = false;
  ui.newConversation.disabled = running;
}

async function ask(message) {
  ui.messages.append(userMessage(message));
  const view = assistantMessage();
  ui.messages.append(view.root);
  const controller = new AbortController();
  const run = { id: null, controller, view, text: '', pending: [], frame: 0, ended: false };
  state.run = run;
  setRunning(true);

  // Tokens queue up and the answer re-renders once per animation frame, so a
  // fast stream costs one Markdown pass per paint. A burst that arrives at
  // once is still revealed over a few frames (a sixth of the backlog each),
  // so the reader sees the answer grow instead of jump.
  const paint = () => {
    run.frame = 0;
    const take = Math.max(1, Math.ceil(run.pending.length / 6));
    run.text += run.pending.splice(0, take).join('');
    renderMarkdown(view.answer, run.text, { final: false });
    view.root.scrollIntoView({ block: 'end' });
    if (run.pending.length > 0) run.frame = requestAnimationFrame(paint);
  };
  const onEvent = (kind, data) => {
    switch (kind) {
      case 'run':
        run.id = data.run_id;
        run.messageId = data.message_id;  // the answer's id, unless answer_done names another
        if (data.conversation_id && data.conversation_id !== state.conversationId) {
          state.conversationId = data.conversation_id;
          ui.title.textContent = message.length > 60 ? `${message.slice(0, 60)}…` : message;
          history.replaceState(null, '', `#${encodeURIComponent(data.conversation_id)}`);
          refreshConversations();
        }
        break;
      case 'plan': view.plan(data); break;
      case 'task_started': view.started(data); break;
      case 'task_progress': view.progress(data); break;
      case 'task_finished': view.finished(data); break;
      case 'token':
        run.pending.push(data.text ?? '');
        if (!run.frame) run.frame = requestAnimationFrame(paint);
        break;
      case 'notice': view.notice(data.message ?? JSON.stringify(data)); break;
      case 'answer_done':
        run.ended = true;
        view.setMeta(data);
        view.setFeedback(data.message_id ?? run.messageId, 0);
        break;
      case 'error':
        run.ended = true;
        view.cancelPending();
        view.notice(data.kind === 'cancelled' ? 'Stopped.' : `Error (${data.kind ?? 'unknown'}): ${data.message ?? ''}`,
          data.kind === 'cancelled' ? 'notice' : 'error');
        break;
      default:
        break;
    }
  };

  try {
    await api.chat({ conversationId: state.conversationId, message, offline: ui.offline.checked }, onEvent, controller.signal);
    if (!run.ended) view.notice('The answer stream ended early.', 'error');
  } catch (err) {
    if (err.name === 'AbortError') view.notice('Stopped.');
    else view.notice(`The request failed: ${err.message}`, 'error');
    view.cancelPending();
  } finally {
    // Let the reveal finish, but not forever: a hidden tab gets no frames.
    for (let i = 0; run.frame && i < 150; i++) await new Promise((ok) => setTimeout(ok, 20));
    if (run.frame) cancelAnimationFrame(run.frame);
    run.text += run.pending.splice(0).join('');
    await renderMarkdown(view.answer, run.text, { final: true });
    view.answer.dataset.done = 'true';
    state.run = null;
    setRunning(false);
    refreshConversations();
  }
}

async function stop() {
  const run = state.run;
  if (!run) return;
  ui.stop.disabled = true;
  if (!run.id) {
    run.controller.abort();
    return;
  }
  try {
    await api.cancelRun(run.id);
  } catch {
    run.controller.abort();
  }
  // The stream should end with error{kind: cancelled}; if it does not
  // within a few seconds, stop reading.
  setTimeout(() => { if (state.run === run) run.controller.abort(); }, 5000);
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const message = ui.question.value.trim();
  if (!message || state.run) return;
  ui.question.value = '';
  ask(message);
});
ui.question.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.stop.addEventListener('click', stop);
ui.newConversation.addEventListener('click', startNewConversation);
ui.openUsage.addEventListener('click', showUsage);
ui.refreshUsage.addEventListener('click', () => usage.refresh());
ui.closeUsage.addEventListener('click', showChat);

const initial = decodeURIComponent(location.hash.slice(1));
if (initial) openConversation(initial);
else refreshConversations();
