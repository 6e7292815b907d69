# swarmvol as an image: the agent/all-in-one daemon needs the host's /dev, /run/docker/plugins
# and its state directory, and CAP_SYS_ADMIN for losetup and mount.
#   docker build -t swarmvol .
#   docker run -d --privileged --pid host -v /dev:/dev -v /run/docker/plugins:/run/docker/plugins \
#     -v /var/lib/swarmvol:/var/lib/swarmvol:rshared -v /var/run/docker.sock:/var/run/docker.sock swarmvol
# BASE is a build argument so machines without a registry can use an imported Debian image.
ARG BASE=node:20-bookworm-slim

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts
COPY core core
COPY plugin plugin
COPY controller controller
COPY api api
COPY storage storage
COPY cli cli
COPY lab lab
COPY bench bench
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM ${BASE}
RUN apt-get update && apt-get install -y --no-install-recommends e2fsprogs xfsprogs util-linux mount \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/swarmvol
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY package.json ./
ENV SWARMVOL_STATE_DIR=/var/lib/swarmvol
ENTRYPOINT ["node", "/opt/swarmvol/dist/cli/main.js"]
CMD ["all-in-one"]
