#!/bin/sh
# GET /cgi-bin/sums: "<sha256>  <path>" for every file under $JENKINS_HOME (paths relative
# to it; unfinished temp files are left out). The drill compares it with its ledger.
home=${JENKINS_HOME:-/var/jenkins_home}
cd "$home" || { printf 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\nno home\n'; exit 0; }
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
find . -type f ! -name '*.tmp.*' -exec sha256sum {} + | sed 's|  \./|  |'
