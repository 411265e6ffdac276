#!/usr/bin/env bash
# Rolls out an image to a host that runs deploy/compose.yaml's prod profile,
# over SSH (used by the deploy jobs of .github/workflows/ci.yml).
#
#   SSH_KEY=<private key> scripts/deploy.sh <user@host> <image reference>
#
# The host needs Docker with the compose plugin, a login to the registry, and
# its secrets (POSTGRES_PASSWORD, provider keys, ...) in ~/devagent/deploy/.env.
# The instances are replaced one at a time, each waited for until healthy, so
# nginx always has one to send requests to.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:?usage: deploy.sh <user@host> <image>}
image=${2:?usage: deploy.sh <user@host> <image>}

key=$(mktemp)
trap 'rm -f "$key"' EXIT
printf '%s\n' "${SSH_KEY:?SSH_KEY must hold the deploy key}" >"$key"
chmod 600 "$key"
ssh_opts=(-i "$key" -o StrictHostKeyChecking=accept-new -o BatchMode=yes)

# The compose file and the configuration it mounts; never the host's .env.
tar -C deploy --exclude=.env -czf - compose.yaml nginx prometheus grafana |
  ssh "${ssh_opts[@]}" "$host" 'mkdir -p devagent/deploy && tar -C devagent/deploy -xzf -'

ssh "${ssh_opts[@]}" "$host" DEVAGENT_IMAGE="$image" bash -s <<'REMOTE'
set -euo pipefail
cd devagent/deploy
compose() { docker compose -f compose.yaml --profile prod "$@"; }
docker pull "$DEVAGENT_IMAGE"
compose up -d --no-build postgres prometheus grafana
for svc in devagent-1 devagent-2; do
  compose up -d --no-build --no-deps "$svc"
  for _ in $(seq 1 60); do
    state=$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q "$svc")")
    [ "$state" = healthy ] && break
    sleep 2
  done
  [ "$state" = healthy ] || { echo "deploy: $svc is $state" >&2; compose logs --tail 50 "$svc" >&2; exit 1; }
done
compose up -d --no-build nginx
echo "deploy: $DEVAGENT_IMAGE is running"
REMOTE
