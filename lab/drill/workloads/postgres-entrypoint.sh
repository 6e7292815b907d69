#!/bin/sh
# swarmvol drill: PostgreSQL 15 (Debian's packages) on a swarmvol volume.
#
# The volume is mounted at $PGVOLUME (an ext4 root holds lost+found, so PGDATA is a
# subdirectory). A brand-new volume gets initdb in a scratch dir that is renamed into
# place only when complete, so a crash during initdb never leaves a half cluster that a
# later start would refuse. Then postgres runs as user postgres, in the foreground,
# listening only on this node's address in $LAB_PREFIX (the service uses host
# networking) with trust auth for the lab subnet only. fsync and synchronous_commit
# stay on: an acknowledged COMMIT is on the volume.
set -eu
PGVOLUME=${PGVOLUME:-/var/lib/postgresql/data}
LAB_PREFIX=${LAB_PREFIX:-10.213.0.}
LAB_SUBNET=${LAB_SUBNET:-10.213.0.0/24}
PGDATA=$PGVOLUME/pgdata
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# This node's address on the lab subnet, from the kernel's local routes (no iproute2 here).
addr=$(awk '/\|--/ {ip=$2} /\/32 host LOCAL/ {print ip}' /proc/net/fib_trie | grep "^$LAB_PREFIX" | sort -u | head -n 1 || true)
if [ -z "$addr" ]; then echo "postgres-entrypoint: no address in $LAB_PREFIX on this node" >&2; exit 1; fi

mkdir -p /run/postgresql
chown postgres:postgres /run/postgresql "$PGVOLUME"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGVOLUME/pgdata.init"
  as_postgres initdb -D "$PGVOLUME/pgdata.init" -U postgres --auth-local=trust --auth-host=reject >/dev/null
  printf 'local all all trust\nhost all all %s trust\n' "$LAB_SUBNET" > "$PGVOLUME/pgdata.init/pg_hba.conf"
  sync
  mv "$PGVOLUME/pgdata.init" "$PGDATA"
  sync
  echo "postgres-entrypoint: initialised $PGDATA"
fi
chmod 700 "$PGDATA"
echo "postgres-entrypoint: serving $PGDATA on $addr:5432"
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" \
  -c listen_addresses="$addr" -c fsync=on -c synchronous_commit=on -c full_page_writes=on \
  -c max_connections=50 -c shared_buffers=32MB
