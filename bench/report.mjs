// bench/report.mjs: reads the raw results of bench/run-all (one JSON object
// per line) and
//   - prints the gateway's added times (peer minus the direct call),
//   - with --check (run-all --smoke) fails when a ratio falls past its margin
//     or any request failed,
//   - with --json FILE writes the raw numbers and the machine they were taken on,
//   - with --doc FILE writes the tables into FILE between the run-all markers,
//     each goal of issue 11 next to its measured figure.
//
//   node bench/report.mjs --results R.jsonl [--check] [--json F] [--doc F]
//                         [--command TEXT] [--commit REV]
import fs from 'node:fs';
import os from 'node:os';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const resultsFile = opt('--results');
if (!resultsFile) {
  console.error('usage: node bench/report.mjs --results R.jsonl [--check] [--json F] [--doc F] [--command T] [--commit R]');
  process.exit(2);
}
const runs = fs
  .readFileSync(resultsFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

// The margins of --check. Each is a ratio measured side by side in the same
// run, so a slower machine moves both sides; the margin is about half of
// what docs/benchmarks.md shows, so noise passes and a real regression
// (a halving) does not.
export const MARGINS = {
  // devagent's requests/s through /v1/chat/completions over nginx's, same
  // concurrency and mode (measured 0.09-0.27).
  gatewayThroughputShare: 0.05,
  // At 50 users: p95 of the time to the first SSE event over the p50 of the
  // time to answer_done (measured 0.04-0.08; 0.3 when every request's
  // admission queued behind the tools' work, before it had a pool of its own).
  agentFirstEventShare: 0.2,
  // Mixed load: failed requests over all.
  loadErrorRate: 0.001,
};

const ms = (us) => us / 1000;
const fmt = (x, digits = 2) => {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(digits);
};
const signed = (x) => (x === undefined ? '—' : `${x >= 0 ? '+' : ''}${fmt(x)}`);

// ------------------------------------------------------------- gateway
const gateway = runs.filter((r) => r.scenario === 'gateway');
const key = (c, stream) => `${c} ${stream}`;
const byPeer = {};
for (const r of gateway) {
  const c = r.result.concurrency;
  byPeer[r.peer] ??= {};
  byPeer[r.peer][key(c, r.stream)] = r.result;
}
// The measured time: first token when streamed, the whole answer when not.
const measure = (res, stream) => (stream ? res.first_us : res.total_us);
function added(peer, c, stream) {
  const d = byPeer.direct?.[key(c, stream)];
  const p = byPeer[peer]?.[key(c, stream)];
  if (!d || !p || !p.ok) return undefined;
  return {
    p50: ms(measure(p, stream).p50 - measure(d, stream).p50),
    p99: ms(measure(p, stream).p99 - measure(d, stream).p99),
    rps: p.requests_per_s,
  };
}
const concurrencies = [...new Set(gateway.map((r) => r.result.concurrency))].sort((a, b) => a - b);
if (gateway.length) {
  console.log('\nadded to the direct call (p50 / p99, ms; first token streamed, whole answer not streamed):');
  for (const c of concurrencies) {
    for (const stream of [false, true]) {
      for (const peer of ['nginx', 'devagent', 'portkey']) {
        const a = added(peer, c, stream);
        if (!a) continue;
        console.log(
          `  c=${String(c).padEnd(5)} stream=${String(stream).padEnd(5)} ${peer.padEnd(9)} ${signed(a.p50)} / ${signed(a.p99)} ms  (${Math.round(a.rps)} req/s)`,
        );
      }
    }
  }
}

// ------------------------------------------------------------- others
const agent = runs.filter((r) => r.scenario === 'agent');
const capacity = runs.filter((r) => r.scenario === 'capacity');
const load = runs.filter((r) => r.scenario === 'load');
const micro = runs.filter((r) => r.scenario === 'micro');

// ------------------------------------------------------------- --check
const failures = [];
for (const r of runs) {
  if (r.scenario === 'micro') continue;
  if (r.scenario === 'load') continue; // judged by its error rate below
  if (r.scenario === 'gateway' && r.peer === 'portkey') continue; // the peer's errors are its own
  if (r.result.errors > 0 || !r.result.ok) {
    failures.push(`${r.scenario} ${r.peer ?? r.kind ?? ''} ${r.users ? `users=${r.users}` : ''}: ${r.result.errors} failed requests`);
  }
}
for (const c of concurrencies) {
  for (const stream of [false, true]) {
    const n = byPeer.nginx?.[key(c, stream)];
    const d = byPeer.devagent?.[key(c, stream)];
    if (!n || !d || !n.requests_per_s) continue;
    const share = d.requests_per_s / n.requests_per_s;
    if (share < MARGINS.gatewayThroughputShare) {
      failures.push(`gateway c=${c} stream=${stream}: devagent's throughput is ${fmt(share, 3)} of nginx's (margin ${MARGINS.gatewayThroughputShare})`);
    }
  }
}
for (const r of agent) {
  if (r.users !== 50) continue;
  const share = r.result.first_us.p95 / r.result.total_us.p50;
  if (share > MARGINS.agentFirstEventShare) {
    failures.push(`agent users=50: first event p95 is ${fmt(share, 3)} of answer_done p50 (margin ${MARGINS.agentFirstEventShare})`);
  }
}
for (const r of capacity) {
  if (r.result.peak_open < r.streams) {
    failures.push(`capacity ${r.kind}: ${r.result.peak_open} of ${r.streams} streams were open at once`);
  }
}
for (const r of load) {
  const total = r.result.ok + r.result.errors;
  const rate = total ? r.result.errors / total : 1;
  if (rate >= MARGINS.loadErrorRate) failures.push(`load: error rate ${fmt(rate * 100, 3)} % (goal under 0.1 %)`);
}
if (args.includes('--check')) {
  if (failures.length) {
    console.error('\nrun-all --smoke: FAILED');
    for (const f of failures) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log('\nrun-all --smoke: every ratio within its margin, no failed requests');
}

// ------------------------------------------------------------- machine
const cpus = os.cpus();
const machine = {
  cores: cpus.length,
  cpu: cpus[0]?.model?.trim(),
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  kernel: `${os.type()} ${os.release()}`,
  loadavg_at_end: os.loadavg().map((x) => Number(x.toFixed(2))),
  date: new Date().toISOString().slice(0, 10),
};

const jsonOut = opt('--json');
if (jsonOut) {
  fs.writeFileSync(jsonOut, `${JSON.stringify({ machine, commit: opt('--commit'), command: opt('--command'), runs }, null, 1)}\n`);
  console.log(`raw numbers: ${jsonOut}`);
}

// ------------------------------------------------------------- --doc
const docOut = opt('--doc');
if (docOut) {
  const lines = [];
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push(
    `Run of ${opt('--commit') ?? '?'} on ${machine.date}: ${machine.cores} cores (${machine.cpu}), ${machine.memory_gib} GiB, ${machine.kernel}; ` +
      `load average ${machine.loadavg_at_end.join(' ')} at the end (the load generator, the upstream and the server share the cores). ` +
      `Reproduce with \`${opt('--command') ?? 'bench/run-all'}\`; raw numbers in \`docs/benchmarks-run-all.json\`.`,
    '',
  );

  // Goals.
  const g64 = added('devagent', 64, false);
  const g64s = added('devagent', 64, true);
  const n64 = added('nginx', 64, false);
  const p64 = added('portkey', 64, false);
  const a50 = agent.find((r) => r.users === 50);
  const a1000 = agent.find((r) => r.users === 1000);
  const watchers = capacity.find((r) => r.kind === 'run-watchers');
  const proxied = capacity.find((r) => r.kind === 'proxied');
  const ld = load[0];
  const met = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  lines.push('| goal | measured | |', '|---|---|---|');
  if (g64) {
    row('gateway: p99 added under 1 ms at concurrency 64', `${signed(g64.p99)} ms whole answer, ${signed(g64s?.p99)} ms first token streamed`, met(g64.p99 < 1 && (g64s?.p99 ?? 0) < 1));
  }
  if (g64 && p64) {
    const lessP50 = p64.p50 / g64.p50;
    const lessP99 = p64.p99 / g64.p99;
    const more = g64.rps / p64.rps;
    row('10× less overhead than Portkey (c=64, not streamed)', `${fmt(lessP50, 1)}× less at p50, ${fmt(lessP99, 1)}× at p99`, met(lessP50 >= 10 && lessP99 >= 10));
    row('10× the throughput of Portkey (c=64)', `${fmt(more, 1)}× (${fmt(g64.rps)} against ${fmt(p64.rps)} req/s)`, met(more >= 10));
  }
  if (g64 && n64) {
    row('within 2× of nginx\'s overhead (c=64, p99)', `${fmt(g64.p99 / n64.p99, 1)}× (${signed(g64.p99)} against ${signed(n64.p99)} ms)`, met(g64.p99 <= 2 * n64.p99));
  }
  if (a50) row('agent: p95 first event under 500 ms at 50 users', `${fmt(ms(a50.result.first_us.p95))} ms, ${a50.result.errors} errors`, met(ms(a50.result.first_us.p95) < 500 && !a50.result.errors));
  if (a1000) row('agent: p95 first event under 50 ms at 1,000 users', `${fmt(ms(a1000.result.first_us.p95))} ms, ${a1000.result.errors} errors`, met(ms(a1000.result.first_us.p95) < 50 && !a1000.result.errors));
  if (watchers) {
    const ok = watchers.result.peak_open >= 10000 && watchers.rss_kib < 2 ** 20 && !watchers.result.errors;
    row('10,000 concurrent SSE streams, resident memory under 1 GB', `${fmt(watchers.result.peak_open)} open at once (clients following runs), ${fmt(watchers.rss_kib / 1024)} MiB, ${watchers.result.errors} errors`, met(ok));
  }
  if (proxied) {
    const per = (proxied.rss_kib - proxied.idle_rss_kib) / proxied.streams;
    const ok = proxied.result.peak_open >= 10000 && proxied.idle_rss_kib + per * 10000 < 2 ** 20 && !proxied.result.errors;
    row('… as proxied completion streams', `${fmt(proxied.result.peak_open)} open at once (the open-files limit, ${fmt(proxied.nofile)}, allows ${fmt(proxied.streams)}: two descriptors each), ${fmt(proxied.rss_kib / 1024)} MiB: ${fmt(per, 1)} KiB a stream, so ${fmt((proxied.idle_rss_kib + per * 10000) / 1024)} MiB at 10,000`, met(ok));
  }
  if (ld) {
    const total = ld.result.ok + ld.result.errors;
    const rate = total ? ld.result.errors / total : 1;
    row(`mixed load, 50 users for ${fmt(ld.seconds / 60, 1)} min: error rate under 0.1 %`, `${fmt(rate * 100, 3)} % (${ld.result.errors} of ${fmt(total)})`, met(rate < 0.001 && ld.seconds >= 600));
  }
  lines.push('');

  if (gateway.length) {
    lines.push(
      '### Gateway overhead',
      '',
      'Added = the peer\'s percentile minus the direct call\'s at the same concurrency; first token when streamed, whole answer when not. Portkey is compared on non-streamed completions only.',
      '',
      '| concurrency | streamed | direct p50 / p99 | nginx added p50 / p99 | devagent added p50 / p99 | Portkey added p50 / p99 | req/s: direct / nginx / devagent / Portkey |',
      '|---|---|---|---|---|---|---|',
    );
    for (const c of concurrencies) {
      for (const stream of [false, true]) {
        const d = byPeer.direct?.[key(c, stream)];
        if (!d) continue;
        const cell = (peer) => {
          const a = added(peer, c, stream);
          return a ? `${signed(a.p50)} / ${signed(a.p99)} ms` : '—';
        };
        const rps = ['direct', 'nginx', 'devagent', 'portkey'].map((p) => fmt(byPeer[p]?.[key(c, stream)]?.requests_per_s, 0)).join(' / ');
        row(fmt(c, 0), stream ? 'yes' : 'no', `${fmt(ms(measure(d, stream).p50))} / ${fmt(ms(measure(d, stream).p99))} ms`, cell('nginx'), cell('devagent'), stream ? '—' : cell('portkey'), rps);
      }
    }
    lines.push('');
  }

  if (agent.length) {
    lines.push(
      '### The agent path',
      '',
      'Builtin-engine questions about this repository (bench/data/agent-questions.jsonl, taken in turn) through POST /api/v1/chat, each user asking again as soon as an answer ends; first event = the first SSE event, end = answer_done and the end of the response.',
      '',
      '| users | answers | errors | answers/s | first event p50 / p95 / p99 | answer_done p50 / p95 / p99 | peak resident memory |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of agent) {
      const f = r.result.first_us;
      const t = r.result.total_us;
      row(fmt(r.users, 0), fmt(r.result.ok, 0), r.result.errors, fmt(r.result.requests_per_s, 0), `${fmt(ms(f.p50))} / ${fmt(ms(f.p95))} / ${fmt(ms(f.p99))} ms`, `${fmt(ms(t.p50))} / ${fmt(ms(t.p95))} / ${fmt(ms(t.p99))} ms`, `${fmt(r.rss_kib / 1024, 0)} MiB`);
    }
    lines.push('');
  }

  if (capacity.length) {
    lines.push(
      '### Capacity',
      '',
      'Run watchers: 20 agent runs answered by a slow model (bench-upstream, ten tokens over several seconds), each followed by its share of the clients through GET /api/v1/runs/{id}/events. Proxied: streamed completions through /v1/chat/completions to the slow upstream, as many as the open-files limit allows. Resident memory is sampled every 0.2 s while the streams are open.',
      '',
      '| streams | kind | open at once | errors | resident memory (idle) | per stream |',
      '|---|---|---|---|---|---|',
    );
    for (const r of capacity) {
      const per = (r.rss_kib - r.idle_rss_kib) / r.streams;
      row(fmt(r.streams, 0), r.kind === 'proxied' ? 'proxied completions' : 'clients following runs', fmt(r.result.peak_open, 0), r.result.errors, `${fmt(r.rss_kib / 1024, 0)} MiB (${fmt(r.idle_rss_kib / 1024, 0)} MiB)`, `${fmt(per, 1)} KiB`);
    }
    lines.push('');
  }

  if (load.length) {
    lines.push(
      '### Mixed load test',
      '',
      'bench/data/mixed-load.jsonl at 50 users: chat in a conversation of its own, a follow-up stating a fact, a question answered from the response cache, and a memory search, in the proportions 3 : 1 : 3 : 2.',
      '',
      '| requests | count | errors | per second | first byte or event p50 / p95 | end p50 / p99 |',
      '|---|---|---|---|---|---|',
    );
    for (const r of load) {
      const all = { name: 'all', ...r.result };
      for (const k of [all, ...(r.result.kinds ?? [])]) {
        row(k.name, fmt(k.ok + k.errors, 0), k.errors, fmt(k.requests_per_s, 0), `${fmt(ms(k.first_us.p50))} / ${fmt(ms(k.first_us.p95))} ms`, `${fmt(ms(k.total_us.p50))} / ${fmt(ms(k.total_us.p99))} ms`);
      }
    }
    lines.push('');
  }

  if (micro.length) {
    lines.push('### Micro-benchmarks', '', 'Each program\'s summary lines; its whole output is in the JSON file. The sections above this one in this document explain each.', '');
    for (const m of micro) {
      lines.push(`**${m.name}**`, '', '```', m.summary.trim() || '(no summary line)', '```', '');
    }
  }

  const begin = '<!-- run-all: begin (bench/run-all writes this section) -->';
  const end = '<!-- run-all: end -->';
  const doc = fs.readFileSync(docOut, 'utf8');
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`report: ${docOut} has no run-all markers`);
    process.exit(1);
  }
  fs.writeFileSync(docOut, `${doc.slice(0, a + begin.length)}\n${lines.join('\n')}\n${doc.slice(b)}`);
  console.log(`tables: ${docOut}`);
}
