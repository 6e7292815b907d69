# swarmvol as an image: the product only (core, plugin, controller, api, storage, cli; no lab,
# bench or tests), any daemon, a HEALTHCHECK that asks whichever daemon runs.
#
#   docker build -t swarmvol .                                       # real users: node:20 from Docker Hub, npm from the registry
#   docker run -d --name swarmvol-controller --network host -e SWARMVOL_TOKEN_FILE=/run/secrets/swarmvol_token \
#     -v /var/run/docker.sock:/var/run/docker.sock swarmvol controller --listen 0.0.0.0:7750
#   docker run -d --name swarmvol-agent --privileged --network host --pid host -v /dev:/dev \
#     -v /run/docker/plugins:/run/docker/plugins -v /var/lib/swarmvol:/var/lib/swarmvol:rshared \
#     -v /var/run/docker.sock:/var/run/docker.sock swarmvol agent
#
# Build arguments, and the two ways dependencies arrive:
# - BASE: the image both stages start from (default the public node:20-bookworm-slim). It
#   needs node and npm; the final stage installs util-linux, e2fsprogs and xfsprogs with apt
#   when the base lacks them.
# - npm packages: by default `npm ci` fetches them from the registry (needs network). When
#   the context holds `.npm-offline/npm-cache/` (an npm cache filled by `npm ci` on a machine
#   that reaches the registry), `npm ci --offline` installs from it instead, checking every
#   package against the lockfile's integrity as usual. The lab builds that way, with
#   `--network none` and a Debian base it imports itself (lab/images/productImage.ts);
#   nothing else differs.
# Works with BuildKit and with the classic builder (DOCKER_BUILDKIT=0, dockerd 20.10).
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
WORKDIR /src
# `.npm-offline*` matches nothing in a plain checkout; then only the two files are copied.
COPY package.json package-lock.json .npm-offline* ./
RUN if [ -d npm-cache ]; then npm ci --ignore-scripts --no-audit --no-fund --offline --cache /src/npm-cache; \
    else npm ci --ignore-scripts --no-audit --no-fund; fi \
    && rm -rf npm-cache
COPY tsconfig.json tsconfig.image.json ./
COPY core core
COPY plugin plugin
COPY controller controller
COPY api api
COPY storage storage
COPY cli cli
RUN node node_modules/typescript/bin/tsc -p tsconfig.image.json \
    && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --offline

FROM ${BASE}
# The programs the daemons run (storage/os): mount, umount, losetup, blkid, lsblk, fsfreeze,
# blockdev (util-linux, mount), e2fsck, mkfs.ext4 and resize2fs (e2fsprogs), mkfs.xfs and
# xfs_growfs (xfsprogs).
RUN for tool in mount umount losetup blkid lsblk fsfreeze blockdev e2fsck mkfs.ext4 resize2fs mkfs.xfs xfs_growfs; do \
      command -v "$tool" >/dev/null || missing="$missing $tool"; done; \
    if [ -n "$missing" ]; then \
      apt-get update && apt-get install -y --no-install-recommends util-linux mount e2fsprogs xfsprogs \
      && rm -rf /var/lib/apt/lists/*; fi
WORKDIR /opt/swarmvol
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
ENV SWARMVOL_STATE_DIR=/var/lib/swarmvol
# `swarmvol healthcheck` reads PID 1's arguments to ask the right daemon: an agent's or
# all-in-one's plugin socket (/Plugin.Activate), a controller's GET /v1/health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/opt/swarmvol/dist/cli/main.js", "healthcheck"]
ENTRYPOINT ["node", "/opt/swarmvol/dist/cli/main.js"]
CMD ["all-in-one"]
