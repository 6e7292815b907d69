#!/bin/sh
# swarmvol drill: a Jenkins-like service on busybox. busybox httpd serves two CGI
# scripts (mounted as Swarm configs under /www/cgi-bin): `job` stores a posted job
# config or build log under $JENKINS_HOME, `sums` lists the checksums of every file
# there. It listens on this node's lab address (host networking), port 8080.
set -eu
JENKINS_HOME=${JENKINS_HOME:-/var/jenkins_home}
LAB_PREFIX=${LAB_PREFIX:-10.213.0.}
addr=$(awk '/\|--/ {ip=$2} /\/32 host LOCAL/ {print ip}' /proc/net/fib_trie | grep "^$LAB_PREFIX" | sort -u | head -n 1 || true)
if [ -z "$addr" ]; then echo "jenkins-entrypoint: no address in $LAB_PREFIX on this node" >&2; exit 1; fi
mkdir -p "$JENKINS_HOME/jobs"
echo "jenkins-entrypoint: serving $JENKINS_HOME on $addr:8080"
exec httpd -f -v -p "$addr:8080" -h /www
