#!/usr/bin/env bash
# Builds deploy/Dockerfile for real, without a Docker engine, and checks the
# result: the image is under the size limit, runs as a non-root user, has a
# HEALTHCHECK, and the binary in it serves /healthz.
#
#   scripts/verify-image.sh              (as root; slow: it compiles devagent inside the build stage)
#
# How: buildah with chroot isolation and vfs storage (no daemon, no overlay
# mounts, works inside an unprivileged-looking container as root). The base
# images debian:bookworm and debian:bookworm-slim are made here with
# debootstrap from Debian's archive and stored locally under their usual
# names, so the Dockerfile is built unchanged and nothing is pulled from a
# container registry. Not part of `make test`: CI runs it as its own job.
#
# Environment: DEBIAN_MIRROR (http://deb.debian.org/debian), MAX_IMAGE_MB
# (150), VERIFY_IMAGE_DIR (work directory: buildah storage, base tarballs),
# IMAGE (localhost/devagent:verify), IMAGE_ARCHIVE (when set, the checked
# image is also written there as a docker-archive tarball, for CI to push).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
MAX_MB=${MAX_IMAGE_MB:-150}
WORK=${VERIFY_IMAGE_DIR:-/var/tmp/devagent-verify-image}
IMAGE=${IMAGE:-localhost/devagent:verify}
export BUILDAH_ISOLATION=chroot
export STORAGE_DRIVER=vfs

say() { echo "verify-image: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap and buildah's chroot isolation need it)"
DEVAGENT_DEPS=image scripts/install-deps.sh
mkdir -p "$WORK"
# Storage of our own, so nothing here touches other buildah/podman users' images.
BUILDAH=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)

# debootstrap's minbase; the slim variant drops documentation, manuals and
# translations and keeps dpkg from installing them again, as Docker's
# debian:*-slim images do.
make_base() {
  local tag=$1 slim=$2
  local ref=docker.io/library/debian:$tag
  if "${BUILDAH[@]}" inspect --type image "$ref" >/dev/null 2>&1; then
    say "base image $ref already present"
    return
  fi
  local tarball=$WORK/debian-$tag.tar
  if [ ! -s "$tarball" ]; then
    local rootfs=$WORK/rootfs-$tag
    rm -rf "$rootfs"
    say "debootstrap bookworm ($tag) from $MIRROR"
    debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
      bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap-$tag.log" 2>&1 ||
      { tail -20 "$WORK/debootstrap-$tag.log" >&2; fail "debootstrap failed (log: $WORK/debootstrap-$tag.log)"; }
    if [ "$slim" = 1 ]; then
      cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
CFG
      find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
      rm -rf "$rootfs"/usr/share/{man,info,locale,lintian,linda}/*
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
    tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  local ctr mnt
  ctr=$("${BUILDAH[@]}" from scratch)
  mnt=$("${BUILDAH[@]}" mount "$ctr")
  tar -C "$mnt" --numeric-owner -xf "$tarball"
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config --os linux --arch amd64 --cmd bash \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  "${BUILDAH[@]}" commit --rm --quiet "$ctr" "$ref" >/dev/null
  say "made base image $ref"
}

# The whole run is one function, read before it starts: editing this file
# while it runs (it takes a while) cannot change what the run does.
main() {
  make_base bookworm 0
  make_base bookworm-slim 1

  say "building deploy/Dockerfile as $IMAGE (this compiles devagent)"
  started=$(date +%s)
  # A host behind a TLS-intercepting proxy trusts its CA through
  # NODE_EXTRA_CA_CERTS; the build's npm step needs the same (a build secret,
  # never written into a layer).
  secret=()
  ca="${NODE_EXTRA_CA_CERTS:-}"
  [ -n "$ca" ] && [ -s "$ca" ] && secret=(--secret "id=ca_bundle,src=$ca")
  nice "${BUILDAH[@]}" bud --isolation chroot --format docker --pull=never --layers "${secret[@]}" \
    -f deploy/Dockerfile -t "$IMAGE" "$ROOT" >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; fail "the image build failed (log: $WORK/build.log)"; }
  say "built in $(( $(date +%s) - started )) s"

  user=$("${BUILDAH[@]}" inspect --type image --format '{{.Docker.Config.User}}' "$IMAGE")
  [ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as '$user', not a non-root user"
  health=$("${BUILDAH[@]}" inspect --type image --format '{{.Docker.Config.Healthcheck}}' "$IMAGE")
  case "$health" in *healthz*) ;; *) fail "the image has no HEALTHCHECK on /healthz (got: $health)" ;; esac
  say "user: $user; healthcheck: $health"

  # Run the binary from the image on a free loopback port (chroot isolation
  # shares the host's network) and ask it for /healthz, then run the image's
  # own HEALTHCHECK command against it.
  ctr=$("${BUILDAH[@]}" from --pull=never "$IMAGE")
  out=$WORK/serve.out
  # Keeps the script's own exit status: the server's (killed) status from
  # `wait` must not become it (under set -e it did: "OK", then exit 1).
  cleanup() {
    local rc=$?
    if [ -n "${serve_pid:-}" ]; then
      kill -TERM -- "-$serve_pid" 2>/dev/null || true
      wait "$serve_pid" 2>/dev/null || true
    fi
    "${BUILDAH[@]}" rm "$ctr" >/dev/null 2>&1 || true
    exit "$rc"
  }
  trap cleanup EXIT

  # Size as `docker images` reports it (decimal MB): the files of the
  # image's filesystem, uncompressed.
  size=$(du -sb "$("${BUILDAH[@]}" mount "$ctr")" | cut -f1)
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  size_mb=$(( size / 1000000 ))
  say "image size: $size bytes ($size_mb MB; limit $MAX_MB MB)"
  [ "$size_mb" -lt "$MAX_MB" ] || fail "the image is $size_mb MB, over the $MAX_MB MB limit"
  setsid "${BUILDAH[@]}" run --isolation chroot --env DEVAGENT_LISTEN=127.0.0.1:0 "$ctr" -- \
    /usr/local/bin/devagent serve >"$out" 2>"$WORK/serve.err" &
  serve_pid=$!
  url=""
  for _ in $(seq 1 300); do
    url=$(sed -n 's/.* listening on \(http:[^ ]*\).*/\1/p' "$out" | head -1)
    [ -n "$url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$WORK/serve.err" >&2; fail "devagent serve exited inside the image"; }
    sleep 0.1
  done
  [ -n "$url" ] || fail "devagent serve printed no URL"
  body=$(curl -fsS "$url/healthz") || fail "GET $url/healthz failed"
  say "GET $url/healthz -> $body"
  case "$body" in *'"ok"'*) ;; *) fail "unexpected /healthz body: $body" ;; esac
  port=${url##*:}
  health_cmd="exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && head -c 12 <&3 | grep -q ' 200'"
  "${BUILDAH[@]}" run --isolation chroot "$ctr" -- bash -c "$health_cmd" || fail "the HEALTHCHECK command failed"
  say "HEALTHCHECK command passed"
  if [ -n "${IMAGE_ARCHIVE:-}" ]; then
    rm -f "$IMAGE_ARCHIVE"
    "${BUILDAH[@]}" push --quiet "$IMAGE" "docker-archive:$IMAGE_ARCHIVE:devagent:latest"
    say "wrote $IMAGE_ARCHIVE"
  fi
  say "OK: $IMAGE is $size_mb MB, runs as $user, serves /healthz"
}

main "$@"
