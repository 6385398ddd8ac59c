#!/bin/bash
# Usage: jul.sh OUT.log  -- openjdk 17, java.util.logging; replicates /usr/share/doc/[a-d]* (trimmed)
set -eu
H=$(dirname "$(realpath "$0")"); OUT=$(realpath -m "$1"); T=$(mktemp -d /tmp/jul.XXXX)
mkdir -p $T/src; cp -r /usr/share/doc/[a-d]* $T/src/ 2>/dev/null || true; chmod 000 $T/src/bash/* 2>/dev/null || true
su nobody -s /bin/bash -c true 2>/dev/null
java -Duser.language=en -Duser.country=US $H/JulReplicator.java $T/jul.log $T/src
sed -e "s#$T/src#/srv/docs#g; s#/tmp/replica[0-9]*#/srv/replica#g" $T/jul.log > "$OUT"; rm -rf "$T" /tmp/replica[0-9]*
