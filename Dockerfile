# syntax=docker/dockerfile:1
# uptty serve in a container: a static binary on distroless (CA certificates, tzdata and a
# nonroot user, no shell). Build: docker build -t uptty . (multi-arch: docker buildx build
# --platform linux/amd64,linux/arm64 -t uptty .). Run: see the README's Install section.

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ENV GOFLAGS=-mod=mod CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/uptty . && \
    mkdir -p /out/root/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/uptty /usr/bin/uptty
COPY packaging/healthcheck.yaml /etc/uptty/healthcheck.yaml
# /data owned by nonroot in the image, so that a new named volume on it starts writable by
# uptty. Copied as a directory's content, so that --chown surely applies to it.
COPY --from=build --chown=65532:65532 /out/root/ /
# History (unless the config's history.path says otherwise) goes to /data/uptty/history.db,
# and the SSH host key of --ssh beside it.
ENV XDG_STATE_HOME=/data
VOLUME ["/config", "/data"]
EXPOSE 9870
USER nonroot:nonroot
# No curl in the image: uptty checks its own /healthz (packaging/healthcheck.yaml). It sends
# $UPTTY_TOKEN, so with --token-file instead, run with --no-healthcheck or set UPTTY_TOKEN too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/bin/uptty", "check", "--config", "/etc/uptty/healthcheck.yaml"]
# Off loopback, serve refuses to start without a token: docker run -e UPTTY_TOKEN=… (or append
# --token-file /run/secrets/uptty_token); each ${VAR} the config uses needs its -e VAR=… too.
# Arguments after the image name add to these.
ENTRYPOINT ["/usr/bin/uptty", "serve", "--config", "/config/uptty.yaml", "--listen", "0.0.0.0:9870"]
