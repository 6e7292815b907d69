#!/bin/sh
# Makes swarmvol's managed plugin from its image and creates it in this engine:
#   packaging/plugin/make-plugin.sh [IMAGE [PLUGIN]]     (defaults: swarmvol:latest, swarmvol:latest)
# then, on every node:
#   docker plugin set swarmvol SWARMVOL_CONTROLLER=http://10.0.0.5:7750   # optional: else the managers
#   docker plugin enable swarmvol
# The bundle is config.json beside this script plus the image's root filesystem. The plugin
# runs `swarmvol agent` (settable: `args`), with CAP_SYS_ADMIN, /dev, host networking, the
# engine's socket, /etc/swarmvol (the node token) and its state under the propagated
# mount /var/lib/swarmvol, where volumes are mounted for containers. DOCKER_HOST picks the
# engine, as for any docker command.
set -eu
image=${1:-swarmvol:latest}
plugin=${2:-swarmvol:latest}
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(mktemp -d)
container=""
cleanup() {
  [ -z "$container" ] || docker rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$bundle"
}
trap cleanup EXIT
mkdir "$bundle/rootfs"
container=$(docker create --network none "$image")
docker export "$container" | tar -x -C "$bundle/rootfs"
cp "$here/config.json" "$bundle/config.json"
docker plugin create "$plugin" "$bundle"
echo "created plugin $plugin from $image; enable it with: docker plugin enable $plugin"
