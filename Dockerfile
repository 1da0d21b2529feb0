# dinit's image and its portable bundle.
#
#   docker build -t dinit .                      the demo image: ENTRYPOINT dinit, /etc/dinit.yaml
#   docker build --target bundle -t dinit:bundle .   /opt/dinit alone (FROM scratch), to copy elsewhere:
#       COPY --from=dinit:bundle /opt/dinit /opt/dinit
#       ENTRYPOINT ["/opt/dinit/bin/dinit"]
#
# /opt/dinit is self-contained: bin/dinit (a launcher run by the kernel through
# `#!/opt/dinit/node/bin/node`, no shell needed), node/bin/node (the BASE's
# Node), lib/ (dinit bundled by esbuild, koffi's prebuilt glibc + musl modules).
# Its Node is glibc-linked when BASE is Debian-based: for Alpine, build with an
# Alpine BASE (e.g. node:22-alpine) so the bundled Node is a musl one.
ARG BASE=node:22-bookworm-slim

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the sources are not here yet for dinit's own prepare (bundle.mjs builds below).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npm run bundle -- --out /opt/dinit --quiet \
 && mkdir -p /opt/dinit/node/bin \
 && cp "$(command -v node)" /opt/dinit/node/bin/node \
 && /opt/dinit/bin/dinit --version \
 && /opt/dinit/bin/dinit check -c /src/dinit.yaml

# The portable bundle alone: `docker build --target bundle`.
FROM scratch AS bundle
COPY --from=build /opt/dinit /opt/dinit

# The demo image (the default target). Its BASE already has the same Node:
# /opt/dinit/node/bin/node links to it instead of carrying a second copy.
FROM ${BASE} AS image
COPY --from=build /opt/dinit/bin /opt/dinit/bin
COPY --from=build /opt/dinit/lib /opt/dinit/lib
RUN mkdir -p /opt/dinit/node/bin \
 && ln -s "$(command -v node)" /opt/dinit/node/bin/node \
 && ln -s /opt/dinit/bin/dinit /usr/local/bin/dinit
COPY dinit.yaml /etc/dinit.yaml
COPY examples/demo /srv/demo/examples/demo
WORKDIR /srv/demo
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["dinit", "health"]
ENTRYPOINT ["dinit"]
