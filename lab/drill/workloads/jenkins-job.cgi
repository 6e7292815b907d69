#!/bin/sh
# POST /cgi-bin/job?path=jobs/NAME/config.xml (or jobs/NAME/builds/N/log), body = content.
# Writes $JENKINS_HOME/<path> atomically (temp file, rename), runs `sync` so the data is
# on the volume before answering, and answers 200 with the file's sha256: the drill
# counts the write as acknowledged only when that checksum matches what it sent.
home=${JENKINS_HOME:-/var/jenkins_home}
reply() { printf 'HTTP/1.1 %s\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n%s\n' "$1" "$2"; exit 0; }
[ "$REQUEST_METHOD" = POST ] || reply "405 Method Not Allowed" "POST only"
path=$(echo "$QUERY_STRING" | sed -n 's/^path=\([A-Za-z0-9._/-]*\)$/\1/p')
case "$path" in ""|/*|*..*) reply "400 Bad Request" "bad path";; esac
file=$home/$path
mkdir -p "$(dirname "$file")" || reply "500 Internal Server Error" "mkdir failed"
tmp=$file.tmp.$$
head -c "${CONTENT_LENGTH:-0}" > "$tmp" || reply "500 Internal Server Error" "write failed"
sync || reply "500 Internal Server Error" "sync failed"
mv "$tmp" "$file" || reply "500 Internal Server Error" "rename failed"
sync || reply "500 Internal Server Error" "sync failed"
sum=$(sha256sum "$file" | cut -d ' ' -f 1)
reply "200 OK" "$sum"
