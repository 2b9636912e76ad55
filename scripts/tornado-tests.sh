#!/usr/bin/env bash
# Runs the tornado module's tests (Maven profile -Ptornado) against an installed TornadoVM SDK
# and prints how many ran, were skipped and failed. It builds no TornadoVM and downloads nothing
# beyond what Maven already resolves for jlora.
#
#   TORNADOVM_HOME=/path/to/tornadovm-sdk scripts/tornado-tests.sh [extra mvn args]
#
# Needs: TORNADOVM_HOME pointing at a TornadoVM SDK of the JDK 25 line with the OpenCL backend
# (bin/, share/java/tornado/tornado-api-<version>.jar, lib/libtornado-opencl.so, tornado-argfile),
# a JDK >= 25 (JAVA_HOME, or the newest under /usr/lib/jvm), Maven, and an OpenCL device (a GPU,
# or the CPU through PoCL). Only the tornado tests run (the modules it depends on are built, their
# tests are not; the 12-block GPT-2, TornadoDeepModelTest, is left out: minutes of OpenCL compiles
# on PoCL; run it with -Dtest=TornadoDeepModelTest). Exits non-zero when the build fails, a test fails, or any test is skipped
# (a skip means the JVM did not get TornadoVM's runtime, so nothing was tested).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
me="tornado-tests"

die() { echo "$me: $*" >&2; exit 1; }

# --- the SDK ---------------------------------------------------------------------------------
[ -n "${TORNADOVM_HOME:-}" ] || die "TORNADOVM_HOME is not set: point it at a TornadoVM SDK
  (JDK 25 line, OpenCL backend), e.g. export TORNADOVM_HOME=/path/to/tornadovm-5.2.1-jdk25-opencl"
[ -d "$TORNADOVM_HOME" ] || die "TORNADOVM_HOME=$TORNADOVM_HOME is not a directory"
TORNADOVM_HOME="$(cd "$TORNADOVM_HOME" && pwd)"
export TORNADOVM_HOME

missing=()
[ -d "$TORNADOVM_HOME/bin" ] || missing+=("bin/")
[ -d "$TORNADOVM_HOME/share/java/tornado" ] || missing+=("share/java/tornado/")
[ -f "$TORNADOVM_HOME/tornado-argfile" ] || missing+=("tornado-argfile (generate it with: \$TORNADOVM_HOME/bin/tornado --generate-argfile)")
[ -f "$TORNADOVM_HOME/lib/libtornado-opencl.so" ] || missing+=("lib/libtornado-opencl.so (an SDK built with the OpenCL backend)")
api_jars=()
if [ -d "$TORNADOVM_HOME/share/java/tornado" ]; then
  for j in "$TORNADOVM_HOME"/share/java/tornado/tornado-api-*.jar; do
    [ -f "$j" ] || continue
    case "$j" in *-sources.jar|*-javadoc.jar) continue ;; esac
    api_jars+=("$j")
  done
  [ "${#api_jars[@]}" -gt 0 ] || missing+=("share/java/tornado/tornado-api-<version>.jar")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "$me: TORNADOVM_HOME=$TORNADOVM_HOME is not a usable TornadoVM SDK; missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi
[ "${#api_jars[@]}" -eq 1 ] || die "more than one tornado-api jar in $TORNADOVM_HOME/share/java/tornado: ${api_jars[*]}"
version="$(basename "${api_jars[0]}" .jar)"; version="${version#tornado-api-}"
case "$version" in
  *jdk25*) ;;
  *) die "TornadoVM $version is not of the JDK 25 line (the module is compiled with --release 25)" ;;
esac
# an argfile from a copy of the SDK made elsewhere names that other place
grep -q -- "$TORNADOVM_HOME/share/java/tornado" "$TORNADOVM_HOME/tornado-argfile" \
  || die "$TORNADOVM_HOME/tornado-argfile does not name $TORNADOVM_HOME/share/java/tornado (the SDK was moved?);
  regenerate it with: \$TORNADOVM_HOME/bin/tornado --generate-argfile"

# --- JDK and Maven -----------------------------------------------------------------------------
JLORA_MIN_JDK=25
# shellcheck source=find-jdk.sh
. "$root/scripts/find-jdk.sh"

# --- an OpenCL device, as TornadoVM sees it ----------------------------------------------------
query="$(cd /tmp && timeout 120 "$JAVA_HOME/bin/java" @"$TORNADOVM_HOME/tornado-argfile" \
  uk.ac.manchester.tornado.drivers.TornadoDeviceQuery 2>&1)" || true
if ! grep -q 'Tornado device=' <<<"$query"; then
  echo "$me: TornadoVM ($TORNADOVM_HOME) finds no OpenCL device. Its device query said:" >&2
  sed 's/^/  | /' <<<"$query" | tail -n 15 >&2
  if command -v clinfo >/dev/null 2>&1; then
    echo "$me: clinfo -l says:" >&2
    clinfo -l 2>&1 | sed 's/^/  | /' >&2 || true
  fi
  echo "$me: for OpenCL on the CPU install PoCL: apt-get install pocl-opencl-icd ocl-icd-opencl-dev clinfo" >&2
  echo "$me: (then 'clinfo -l' lists a pthread-... device); for a GPU, install its vendor's OpenCL driver" >&2
  exit 1
fi
echo "$me: TornadoVM $version at $TORNADOVM_HOME, JDK $JAVA_HOME"
grep -E 'Tornado device=|OPENCL' <<<"$query" | sed 's/\x1b\[[0-9;]*m//g; s/^[[:space:]]*/  /'

# --- the tests -----------------------------------------------------------------------------------
reports="$root/tornado/target/surefire-reports"
rm -rf "$reports"
start=$(date +%s)
set +e
(cd "$root" && mvn -B -ntp -Ptornado -pl tornado -am verify \
  -Dtornado.version="$version" -Djlora.fuzz.skip=true \
  -Dtest='org.jlora.tornado.**,!org.jlora.tornado.TornadoDeepModelTest' -Dsurefire.failIfNoSpecifiedTests=false "$@")
rc=$?
set -e
secs=$(( $(date +%s) - start ))

tests=0 failures=0 errors=0 skipped=0
shopt -s nullglob
for f in "$reports"/TEST-*.xml; do
  # the <testsuite ...> element's attributes
  head=$(grep -m1 -o '<testsuite [^>]*>' "$f")
  attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$head"; }
  tests=$((tests + $(attr tests))); failures=$((failures + $(attr failures)))
  errors=$((errors + $(attr errors))); skipped=$((skipped + $(attr skipped)))
done
ran=$((tests - skipped))
echo
echo "$me: tornado tests: $tests total, $ran run, $skipped skipped, $failures failed, $errors errors (mvn exit $rc, ${secs}s)"
if [ "$rc" -ne 0 ]; then
  die "the build failed (see the Maven output above)"
fi
if [ "$tests" -eq 0 ]; then
  die "no tornado test reports in $reports: nothing ran"
fi
if [ "$skipped" -gt 0 ]; then
  die "$skipped tests were skipped: their JVM did not get TornadoVM's runtime (see the reasons in $reports)"
fi
