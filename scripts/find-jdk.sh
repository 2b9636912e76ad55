# Sourced by ./jlora and ./run-tests: sets JAVA_HOME to a JDK >= 21 or exits 1 with a clear message.
# Order: $JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm (or $JLORA_JVM_DIR).

jlora_java_major() {  # prints the major version of the JDK at $1, or nothing
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
  case "$v" in 1.*) v=${v#1.}; v=${v%%.*} ;; esac
  echo "$v"
}

jlora_find_jdk() {
  local min=${JLORA_MIN_JDK:-21} best="" best_v=0 dir v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(jlora_java_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then return 0; fi
  fi
  for dir in "${JLORA_JVM_DIR:-/usr/lib/jvm}"/*; do
    [ -d "$dir" ] && [ ! -L "$dir" ] || continue
    v=$(jlora_java_major "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$min" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "jlora: no JDK >= $min found (JAVA_HOME=${JAVA_HOME:-unset}; looked in ${JLORA_JVM_DIR:-/usr/lib/jvm})." >&2
    echo "jlora: install one (e.g. 'apt-get install openjdk-21-jdk' or a Temurin 21/25 JDK) or point JAVA_HOME at it." >&2
    exit 1
  fi
  export JAVA_HOME="$best"
}

jlora_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "jlora: Maven (mvn) is needed to build; install it (e.g. 'apt-get install maven')." >&2
  exit 1
fi
