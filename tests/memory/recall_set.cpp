#include "memory/recall_set.h"

#include "memory/memory.h"

#include <algorithm>
#include <unordered_set>

namespace devagent::testing {
namespace {

// The conversations, in the order they happened. Comments give each
// conversation's index; turns are numbered from 0 within it.
std::vector<RecallConversation> conversations() {
  return {
      // 0: databases and network
      {{
          {"How do I list all the tables in a Postgres database from psql?",
           "Use \\dt in psql. \\dt *.* lists the tables of every schema, and \\dt+ adds sizes."},
          {"Our staging database is db-staging-7.", "Noted: the staging database is db-staging-7."},
          {"What's the difference between a LEFT JOIN and an INNER JOIN?",
           "An INNER JOIN keeps only rows that match on both sides; a LEFT JOIN keeps every row of the left table "
           "and fills the right side with NULL where nothing matches."},
          {"The production database runs on Postgres 15 with two read replicas.",
           "Got it: production is Postgres 15 with two read replicas."},
          {"Can you write a query that finds duplicate emails in the users table?",
           "SELECT email, COUNT(*) FROM users GROUP BY email HAVING COUNT(*) > 1;"},
          {"Remember that the VPN is required to reach anything in the 10.20.0.0/16 range.",
           "Understood, I'll keep that in mind."},
      }},
      // 1: release process
      {{
          {"Releases are cut every other Thursday.", "Noted — a release every second Thursday."},
          {"How do I squash the last three commits into one?",
           "Run git rebase -i HEAD~3, keep the first commit as pick and mark the other two as squash."},
          {"The release manager this quarter is Priya.", "Okay, Priya is the release manager this quarter."},
          {"We tag releases as vYEAR.MONTH.PATCH, like v2024.06.1.", "Got it."},
          {"What does git cherry-pick -x do?",
           "It appends a line \"(cherry picked from commit …)\" to the commit message, so you can trace where the "
           "change came from."},
          {"Hotfixes go on the release branch and get merged back into main afterwards.",
           "Noted: hotfixes land on the release branch first, then merge back to main."},
      }},
      // 2: who owns what
      {{
          {"Alice owns the billing service.", "Noted."},
          {"How do I mock a gRPC client in Go tests?",
           "Generate a mock of the client interface with mockgen (or gomock) and inject it where the real client "
           "would go; grpc's bufconn is an alternative for an in-process server."},
          {"Bob is on call for the search cluster this week.", "Okay, Bob has the search cluster pager this week."},
          {"The notifications service is maintained by the platform team.", "Got it."},
          {"Why does my Go build say 'imported and not used'?",
           "Go refuses unused imports. Remove the import, or import it as _ if you need its side effects."},
          {"Carlos wrote the rate limiter in the API gateway.", "Noted, Carlos wrote the gateway's rate limiter."},
      }},
      // 3: ingest workers
      {{
          {"We use tokio for the ingest workers.", "Got it — the ingest workers run on tokio."},
          {"How do I share a HashMap between tokio tasks?",
           "Wrap it in Arc<Mutex<HashMap<..>>> (tokio::sync::Mutex if you hold it across .await), or use DashMap."},
          {"The ingest workers read from the Kafka topic events.raw.", "Noted."},
          {"What's the difference between tokio::spawn and spawn_blocking?",
           "spawn runs a future on the async worker threads; spawn_blocking runs a closure on a separate pool meant "
           "for blocking work, so it does not stall the executor."},
          {"Our ingest workers batch 500 events per write to ClickHouse.", "Okay, 500 events per ClickHouse insert."},
          {"How can I make cargo builds faster in CI?",
           "Cache ~/.cargo and the target directory, use sccache, and split debug info; cargo build --timings shows "
           "where the time goes."},
      }},
      // 4: CI and tests
      {{
          {"The flaky test is test_upload_retry in tests/net/upload_test.py.",
           "Noted, test_upload_retry is the flaky one."},
          {"How do I rerun only the failed tests with pytest?",
           "pytest --lf (last failed) reruns only the tests that failed last time; --ff runs them first and then "
           "the rest."},
          {"Our CI runs on GitHub Actions with self-hosted runners.", "Got it."},
          {"Nightly builds take about 40 minutes.", "Noted."},
          {"How do I skip a test conditionally in pytest?",
           "Decorate it with @pytest.mark.skipif(condition, reason=\"...\"), or call pytest.skip() inside the test."},
          {"Coverage must stay above 80 percent or the PR check fails.", "Understood."},
          {"What does the -x flag do in pytest?", "It stops the run after the first failing test."},
      }},
      // 5: web front end
      {{
          {"How do I debounce an input in React?",
           "Keep the raw value in state and update the debounced value in a useEffect with a setTimeout that is "
           "cleared on every change, or use a useDebounce hook."},
          {"The web dashboard is built with Next.js 14 and deployed on Vercel.", "Noted."},
          {"Our design system lives in the repo acme/ui-kit.", "Got it, acme/ui-kit holds the design system."},
          {"What's the difference between useMemo and useCallback?",
           "useMemo caches a computed value; useCallback caches a function so its identity stays stable between "
           "renders."},
          {"We use Playwright for end-to-end tests of the dashboard.", "Okay."},
      }},
      // 6: secrets and configuration
      {{
          {"Secrets are stored in HashiCorp Vault under secret/data/payments.", "Noted."},
          {"How do I read an environment variable in Python with a default?",
           "os.environ.get(\"NAME\", \"default\") returns the default when the variable is unset."},
          {"The feature flags service is LaunchDarkly.", "Got it."},
          {"How do I pretty-print JSON from the command line?", "Pipe it through jq . or python -m json.tool."},
          {"The API rate limit for partners is 600 requests per minute.", "Noted: 600 requests per minute."},
      }},
      // 7: monitoring
      {{
          {"Our dashboards are in Grafana at grafana.internal.acme.io.", "Noted."},
          {"How do I write a PromQL query for the 99th percentile latency?",
           "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))."},
          {"Alerts page the on-call engineer through PagerDuty.", "Got it."},
          {"Logs are shipped to Loki and kept for 14 days.", "Noted: Loki, 14 days of retention."},
          {"What is the difference between a counter and a gauge?",
           "A counter only goes up (resetting to zero on restart), so you look at its rate; a gauge goes up and "
           "down and you read its current value."},
      }},
      // 8: conventions
      {{
          {"We format Python with black and a line length of 100.", "Noted."},
          {"How do I type a function that returns either a string or None?",
           "Annotate it as -> str | None (Python 3.10+) or -> Optional[str]."},
          {"The main branch is protected and needs two approvals to merge.", "Got it."},
          {"Commit messages follow Conventional Commits.", "Okay — feat:, fix:, chore: and so on."},
          {"How do I undo a git push?",
           "git revert the commit and push the revert; rewriting history with push --force is only safe on a "
           "branch nobody else uses."},
          {"Our Python services target Python 3.11.", "Noted."},
      }},
      // 9: deployment
      {{
          {"We deploy with Argo CD from the repo acme/deploy-manifests.", "Got it."},
          {"How do I see why a pod is in CrashLoopBackOff?",
           "kubectl describe pod shows the events and exit code; kubectl logs --previous shows the output of the "
           "crashed container."},
          {"The production cluster is called prod-eu-1 and runs in Frankfurt.", "Noted."},
          {"How do I restart a deployment without changing it?", "kubectl rollout restart deployment/<name>."},
          {"The payments service runs with 6 replicas in production.", "Okay, 6 replicas for payments."},
      }},
      // 10: changes, a few weeks later
      {{
          {"Our staging database is now db-staging-9.", "Noted, staging moved to db-staging-9."},
          {"How do I copy a table between two Postgres databases?",
           "pg_dump -t table source_db | psql target_db, or use COPY ... TO STDOUT piped into COPY ... FROM STDIN."},
          {"Bob owns the billing service now.", "Got it."},
          {"Releases are now cut every Tuesday instead of every other Thursday.", "Noted: weekly releases on Tuesday."},
          {"What's a good way to structure a changelog?",
           "Group entries under Added, Changed, Fixed and Removed per version, newest first (keepachangelog.com)."},
      }},
      // 11: more changes
      {{
          {"How do I profile a slow Python function?",
           "python -m cProfile -s cumtime script.py, or wrap the call in cProfile.Profile(); py-spy works on a "
           "running process."},
          {"The ingest workers now read from the Kafka topic events.v2.", "Noted."},
          {"Nightly builds take about 25 minutes since we added caching.", "Nice — noted."},
          {"What does 'detached HEAD' mean in git?",
           "HEAD points at a commit rather than a branch; commits made there belong to no branch until you create "
           "one."},
          {"The on-call for the search cluster this week is Dana.", "Okay, Dana this week."},
          {"Logs are now kept for 30 days in Loki.", "Noted: 30 days."},
      }},
      // 12: analytics
      {{
          {"Our analytics warehouse is BigQuery, in the project acme-analytics.", "Noted."},
          {"How do I convert a Unix timestamp to a date in SQL?",
           "In BigQuery, DATE(TIMESTAMP_SECONDS(ts)); in Postgres, to_timestamp(ts)::date."},
          {"The daily export job runs at 02:00 UTC.", "Got it."},
          {"How do I deduplicate rows in pandas?", "df.drop_duplicates(), with subset= to compare some columns only."},
          {"Customer PII must never leave the eu-west-1 region.", "Understood."},
          {"The dbt models live in the repo acme/analytics-dbt.", "Noted."},
      }},
      // 13: mobile
      {{
          {"The iOS app's minimum supported version is iOS 16.", "Noted."},
          {"How do I make a Swift struct Codable with custom keys?",
           "Declare a nested enum CodingKeys: String, CodingKey that maps each property to its JSON key."},
          {"We ship the Android app to beta testers through Firebase App Distribution.", "Got it."},
          {"The app's crash reports go to Sentry, in the project mobile-prod.", "Okay."},
          {"What is the difference between weak and unowned in Swift?",
           "Both avoid a retain cycle; weak is optional and becomes nil when the object goes away, unowned assumes "
           "it outlives the reference and crashes if it does not."},
      }},
      // 14: the team
      {{
          {"Maria is the tech lead of the data platform team.", "Noted."},
          {"Our sprint planning is every Monday at 10am.", "Got it."},
          {"How do I write a good pull request description?",
           "Say what changes and why, how you tested it, and what a reviewer should look at first; link the issue."},
          {"The architecture decision records are in docs/adr in the monorepo.", "Noted."},
          {"Support tickets escalate to engineering through the #eng-escalations Slack channel.", "Okay."},
          {"What's the idiomatic way to handle errors in Rust?",
           "Return Result and propagate with ?; use thiserror for library error types and anyhow in applications."},
      }},
      // 15: mostly code questions
      {{
          {"How do I reverse a linked list in C?",
           "Walk the list keeping prev, cur and next pointers, pointing each node's next at prev."},
          {"What's the time complexity of a lookup in std::map?", "O(log n): it is a balanced binary tree."},
          {"The QA database is db-qa-3.", "Noted."},
          {"Explain move semantics in C++.",
           "A move constructor takes an rvalue reference and steals the source's resources instead of copying "
           "them, leaving the source valid but unspecified."},
          {"How do I read a file line by line in Go?", "Use bufio.NewScanner(file) and loop on scanner.Scan()."},
          {"Why is my Docker image so big?",
           "Usually build tools and caches left in layers; use a multi-stage build and a slim base image."},
      }},
  };
}

// Questions asked later. Written as a user would ask them, worded apart
// from the statements; not to be edited to raise a score.
std::vector<RecallQuestion> questions() {
  return {
      // databases and network
      {"which box hosts staging's DB these days?", {{10, 0}}, "updated"},
      {"what's the hostname of the pre-prod database server?", {{10, 0}}, "hard"},
      {"which major version of postgres does prod use?", {{0, 3}}, "fact"},
      {"how many read replicas does the production db have?", {{0, 3}}, "fact"},
      {"what do I need to connect to the internal 10.20 network?", {{0, 5}}, "fact"},
      {"why can't I reach the internal hosts from home?", {{0, 5}}, "hard"},
      // releases
      {"when do we ship releases?", {{10, 3}}, "updated"},
      {"how often does a new release branch get created?", {{10, 3}}, "updated"},
      {"who is managing releases this quarter?", {{1, 2}}, "fact"},
      {"who should I ask about getting my change into the next release?", {{1, 2}}, "hard"},
      {"what's our version tag format?", {{1, 3}}, "fact"},
      {"how should I name the tag for the next release?", {{1, 3}}, "fact"},
      {"where do hotfixes get committed?", {{1, 5}}, "fact"},
      {"which branch do emergency fixes go on?", {{1, 5}}, "hard"},
      // ownership
      {"who's responsible for billing?", {{10, 2}}, "updated"},
      {"who should review changes to the invoicing code?", {{10, 2}}, "hard"},
      {"who is on call for search right now?", {{11, 4}}, "updated"},
      {"who do I page if the search cluster goes down this week?", {{11, 4}}, "updated"},
      {"which team looks after notifications?", {{2, 3}}, "fact"},
      {"who maintains the service that sends emails and push alerts to users?", {{2, 3}}, "hard"},
      {"who built the rate limiting in the gateway?", {{2, 5}}, "fact"},
      {"who should I ask about request throttling at the edge?", {{2, 5}}, "hard"},
      // ingest workers
      {"which async runtime do the ingest workers run on?", {{3, 0}}, "fact"},
      {"what executor does the ingestion pipeline use?", {{3, 0}}, "hard"},
      {"which Kafka topic does ingest consume?", {{11, 1}}, "updated"},
      {"where do the ingest workers get their events from?", {{11, 1}}, "updated"},
      {"how many events does each ClickHouse insert from ingest contain?", {{3, 4}}, "fact"},
      {"what batch size do we use when writing to the column store?", {{3, 4}}, "hard"},
      // CI and tests
      {"which test keeps failing intermittently?", {{4, 0}}, "fact"},
      {"where is the upload retry test that flakes?", {{4, 0}}, "fact"},
      {"which python test is unreliable?", {{4, 0}}, "hard"},
      {"what CI system do we use?", {{4, 2}}, "fact"},
      {"are our build machines hosted by GitHub or by us?", {{4, 2}}, "hard"},
      {"how long does the nightly build take?", {{11, 2}}, "updated"},
      {"how much time does the overnight pipeline need?", {{11, 2}}, "hard"},
      {"what's the minimum test coverage for a PR?", {{4, 5}}, "fact"},
      {"why would my pull request check fail even though every test passes?", {{4, 5}}, "hard"},
      // web front end
      {"what framework is the dashboard written in?", {{5, 1}}, "fact"},
      {"where is the web dashboard hosted?", {{5, 1}}, "fact"},
      {"where's the design system code?", {{5, 2}}, "fact"},
      {"which repository has our shared UI components?", {{5, 2}}, "hard"},
      {"what do we use for browser tests?", {{5, 4}}, "hard"},
      {"which e2e testing tool covers the dashboard?", {{5, 4}}, "fact"},
      // secrets and configuration
      {"where are the payments secrets kept?", {{6, 0}}, "fact"},
      {"how do I get the credentials for the payment service?", {{6, 0}}, "hard"},
      {"what do we use for feature flags?", {{6, 2}}, "fact"},
      {"which vendor handles our feature toggles?", {{6, 2}}, "fact"},
      {"how many requests per minute can a partner make?", {{6, 4}}, "fact"},
      {"what's the throttle on the partner API?", {{6, 4}}, "hard"},
      // monitoring
      {"what's the URL of our Grafana?", {{7, 0}}, "fact"},
      {"where can I find the metrics dashboards?", {{7, 0}}, "fact"},
      {"how does the on-call get notified about alerts?", {{7, 2}}, "fact"},
      {"what paging tool do we use?", {{7, 2}}, "hard"},
      {"how long do we retain logs?", {{11, 5}}, "updated"},
      {"where do our logs end up?", {{7, 3}, {11, 5}}, "fact"},
      // conventions
      {"what line length does our Python formatter use?", {{8, 0}}, "fact"},
      {"which formatter do we run on Python code?", {{8, 0}}, "fact"},
      {"how many reviews does a PR to main need?", {{8, 2}}, "fact"},
      {"can I merge to main without anyone approving?", {{8, 2}}, "fact"},
      {"what format should commit messages use?", {{8, 3}}, "fact"},
      {"which Python version do our services run on?", {{8, 5}}, "fact"},
      // deployment
      {"how do we deploy to kubernetes?", {{9, 0}}, "fact"},
      {"which repo holds the deployment manifests?", {{9, 0}}, "fact"},
      {"what's the prod k8s cluster called?", {{9, 2}}, "fact"},
      {"in which city is production hosted?", {{9, 2}}, "hard"},
      {"how many payments pods run in prod?", {{9, 4}}, "fact"},
      // analytics
      {"which data warehouse do we use?", {{12, 0}}, "fact"},
      {"what's the GCP project for analytics?", {{12, 0}}, "fact"},
      {"when does the daily export run?", {{12, 2}}, "fact"},
      {"what time is the nightly export scheduled?", {{12, 2}}, "fact"},
      {"can customer personal data be copied to us-east-1?", {{12, 4}}, "hard"},
      {"where are the dbt models?", {{12, 5}}, "fact"},
      // mobile
      {"what's the oldest iOS version the app supports?", {{13, 0}}, "fact"},
      {"how do beta testers get the Android build?", {{13, 2}}, "fact"},
      {"where do mobile crashes get reported?", {{13, 3}}, "fact"},
      // the team
      {"who leads the data platform team?", {{14, 0}}, "fact"},
      {"when is sprint planning?", {{14, 1}}, "fact"},
      {"where do we write down architecture decisions?", {{14, 3}}, "hard"},
      {"how do I escalate a customer ticket to the engineers?", {{14, 4}}, "fact"},
      // what was discussed
      {"what was the git command you gave me to combine my last three commits?", {{1, 1}}, "discussion"},
      {"what did you tell me about sharing a map between tokio tasks?", {{3, 1}}, "discussion"},
      {"how did you say to rerun just the failing pytest tests?", {{4, 1}}, "discussion"},
      {"what was the SQL you wrote for finding duplicate emails?", {{0, 4}}, "discussion"},
      {"how did you suggest debugging a crashlooping pod?", {{9, 1}}, "discussion"},
  };
}

}  // namespace

const RecallSet& recall_set() {
  static const RecallSet set{conversations(), questions()};
  return set;
}

Result<LoadedRecallSet> load_recall_set(memory::MemoryStore& store, const RecallSet& set) {
  LoadedRecallSet loaded;
  loaded.user_id = "recall-team";
  for (std::size_t c = 0; c < set.conversations.size(); ++c) {
    std::string conversation_id = "recall-" + std::to_string(c);
    const auto& turns = set.conversations[c].turns;
    for (std::size_t t = 0; t < turns.size(); ++t) {
      auto r = store.remember_turn(conversation_id, loaded.user_id, turns[t].question, turns[t].answer);
      if (!r) return r.error();
      // Whatever fragment of the conversation is new came from this turn.
      auto all = store.list(
          memory::ListOptions{.conversation_id = conversation_id, .include_superseded = true, .limit = 1000});
      if (!all) return all.error();
      for (const auto& f : *all) {
        loaded.origin.emplace(f.id, TurnRef{static_cast<int>(c), static_cast<int>(t)});
      }
    }
  }
  return loaded;
}

Result<RecallScores> score_recall(memory::MemoryStore& store, const RecallSet& set, const LoadedRecallSet& loaded,
                                  std::size_t k) {
  RecallScores scores;
  std::size_t at1 = 0, at5 = 0;
  double rr = 0;
  for (std::size_t q = 0; q < set.questions.size(); ++q) {
    const auto& question = set.questions[q];
    auto hits = store.search(question.text, memory::SearchOptions{.k = k, .user_id = loaded.user_id, .touch = false});
    if (!hits) return hits.error();
    QuestionResult result{q, 0};
    for (std::size_t i = 0; i < hits->size(); ++i) {
      const auto& f = (*hits)[i].fragment;
      if (!f.superseded_by.empty()) continue;
      auto it = loaded.origin.find(f.id);
      if (it == loaded.origin.end()) continue;
      if (std::find(question.answers.begin(), question.answers.end(), it->second) == question.answers.end()) continue;
      result.rank = static_cast<int>(i) + 1;
      break;
    }
    if (result.rank == 1) ++at1;
    if (result.rank >= 1 && result.rank <= 5) ++at5;
    if (result.rank >= 1) rr += 1.0 / result.rank;
    scores.results.push_back(result);
  }
  double n = std::max<double>(1, static_cast<double>(set.questions.size()));
  scores.recall_at_1 = static_cast<double>(at1) / n;
  scores.recall_at_5 = static_cast<double>(at5) / n;
  scores.mrr = rr / n;
  return scores;
}

}  // namespace devagent::testing
