#!/usr/bin/env bash
# Runs `jlora-spark bench` on local[2] from the build tree (no spark-submit needed):
#   spark/bench.sh [--steps 30 --hidden 256 --layers 4 ...]
# Compiles the reactor first (offline: Spark must already be in ~/.m2).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
cp_file=spark/target/classpath.txt
mvn -q -o -B -pl spark -am compile dependency:build-classpath -Djlora.fuzz.skip=true -Dmdep.outputFile="$PWD/$cp_file" >/dev/null
CP=spark/target/classes:examples/target/classes:lora/target/classes:autograd/target/classes:engine/target/classes:$(cat $cp_file)
# the JVM options spark-submit gives drivers and executors on Java 17+ (Spark's JavaModuleOptions)
OPENS=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$p=ALL-UNNAMED"
done
exec "$JAVA" --add-modules jdk.incubator.vector $OPENS -Dio.netty.tryReflectionSetAccessible=true \
  -Dlog4j2.level=warn -cp "$CP" org.jlora.spark.JloraSparkMain bench "$@"
