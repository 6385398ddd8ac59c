#!/bin/bash
# Usage: java.sh OUT.log  -- needs openjdk 17 and apt package liblog4j2-java
set -eu
H=$(dirname "$(realpath "$0")"); OUT=$(realpath -m "$1")
CP=/usr/share/java/log4j-api.jar:/usr/share/java/log4j-core.jar
java -cp $CP -Dlog4j.configurationFile=$H/log4j2.xml -Dlogfile=$OUT $H/JobRunner.java
