#!/bin/bash
# swarmvol lab node supervisor: runs as PID 1 of a lab node's PID namespace.
#
# Started by lab/cluster/node.ts as
#   nsenter --net=/run/netns/svnN unshare -m -u -p -f --mount-proc --propagation private \
#     bash node.sh NODE_DIR HOSTNAME -- dockerd ARGS...
# It prepares the node's private view of the machine, starts the optional pre-dockerd
# program (the swarmvol agent, later), then execs dockerd, which stays PID 1. Because every
# process of the node lives in this PID namespace, SIGKILL to PID 1 takes the whole node
# down at once (dockerd, containerd, shims, containers, agent): a faithful node crash.
#
# NODE_DIR layout (all created by node.ts before this runs):
#   plugins/            bound over /run/docker/plugins (plugin sockets for this node only)
#   by-id/              bound over /dev/disk/by-id (the EC2 emulator's device links)
#   pre-dockerd.argv    optional, NUL-separated argv started in the background
#   pre-dockerd.log     its output
#   pre-dockerd.wait    optional, a path (inside the node) to wait for before dockerd
#                       starts, e.g. the agent's plugin socket; at most 30 s
set -euo pipefail

node_dir=$1
node_hostname=$2
shift 2
if [[ ${1:-} == "--" ]]; then shift; fi

# A private /run: hides any system containerd socket (dockerd would adopt it) and gives
# the node its own /run/docker/plugins without touching the host's /run.
mount -t tmpfs -o mode=0755 swarmvol-lab-run /run
mkdir -p /run/docker/plugins
mount --bind "$node_dir/plugins" /run/docker/plugins
# /dev/disk/by-id exists on the host (node.ts creates it when missing).
mount --bind "$node_dir/by-id" /dev/disk/by-id

hostname "$node_hostname"

if [[ -s "$node_dir/pre-dockerd.argv" ]]; then
  mapfile -d '' -t pre_argv < "$node_dir/pre-dockerd.argv"
  "${pre_argv[@]}" >>"$node_dir/pre-dockerd.log" 2>&1 </dev/null &
  if [[ -s "$node_dir/pre-dockerd.wait" ]]; then
    wait_path=$(<"$node_dir/pre-dockerd.wait")
    for _ in $(seq 300); do [[ -e $wait_path ]] && break; sleep 0.1; done
  fi
fi

exec "$@"
