#!/usr/bin/env bash
# Build the example Spring Boot Admin (and Eureka) servers under examples/spring-boot-admin/.
#
# Usage: scripts/build-sba.sh [VARIANT...]      (default: 3)
#   41          SBA 4.1 (Spring Boot 4.1)          sba41/
#   40          SBA 4.0 (Spring Boot 4.0)          sba40/
#   3           SBA 3.5 (Spring Boot 3.5)          sba3/
#   2           SBA 2.7 (Spring Boot 2.7)          sba2/
#   eureka      Eureka server (Spring Cloud 2025.1) eureka/
#   40-eureka   SBA 4.0 discovering through Eureka sba40-eureka/
#   all         every one of the above
#
# A server is rebuilt only when its jar is missing or pom.xml / src/ changed
# after the jar was written; otherwise the jar in target/ is reused.
# Progress goes to stderr; the absolute jar path(s) are printed on stdout, one
# per line in the order asked, so callers can do:  jar="$(scripts/build-sba.sh 3)"
#
# Environment:
#   MVN              Maven command (default: mvn)
#   SBA_MVN_ARGS     extra Maven arguments, e.g. "-o" to build offline
#   SBA_FORCE_BUILD  set to 1 to rebuild even when the jar is up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sba_root="$(cd "$here/../examples/spring-boot-admin" && pwd)"
mvn_cmd="${MVN:-mvn}"

say() { printf '%s\n' "$*" >&2; }
die() { say "build-sba: error: $*"; exit 1; }

usage() {
    say "usage: $0 [41|40|3|2|eureka|40-eureka|all]...   (default: 3)"
    exit 2
}

# Variant -> project directory under examples/spring-boot-admin/.
project_dir() {
    case "$1" in
        41|40|3|2) printf 'sba%s' "$1" ;;
        eureka) printf 'eureka' ;;
        40-eureka) printf 'sba40-eureka' ;;
        *) return 1 ;;
    esac
}

[ $# -gt 0 ] || set -- 3
variants=()
for arg in "$@"; do
    case "$arg" in
        all) variants+=(41 40 3 2 eureka 40-eureka) ;;
        -h|--help) usage ;;
        *) project_dir "$arg" >/dev/null || { say "build-sba: unknown variant '$arg'"; usage; }
           variants+=("$arg") ;;
    esac
done

# Print the value of <tag> from a pom (first occurrence, good enough for ours).
pom_value() {
    sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$2" | head -n 1
}

# Succeeds when the jar is missing or any project file is newer than it.
needs_build() {
    local dir="$1" jar="$2"
    [ "${SBA_FORCE_BUILD:-0}" = 1 ] && return 0
    [ -f "$jar" ] || return 0
    [ -n "$(find "$dir/pom.xml" "$dir/src" -newer "$jar" -print -quit)" ]
}

# Java is needed to build and to run the jar, so it is always checked.
check_java() {
    command -v java >/dev/null 2>&1 \
        || die "java not found on PATH; install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless)"
    local version major
    version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
    major="${version%%[.-]*}"
    if [ "$major" = 1 ]; then
        major="$(printf '%s' "$version" | cut -d. -f2)"
    fi
    case "$major" in
        ''|*[!0-9]*) say "build-sba: warning: could not read the Java version ('$version')" ;;
        *) [ "$major" -ge 17 ] || die "Java 17 or newer is required, found $version" ;;
    esac
}

build_one() {
    local v="$1"
    local dir
    dir="$sba_root/$(project_dir "$v")"
    local pom="$dir/pom.xml"
    [ -f "$pom" ] || die "missing $pom"
    local name boot sba label jar
    name="$(pom_value finalName "$pom")"
    boot="$(pom_value version "$pom")"   # the parent's version comes first
    sba="$(pom_value spring-boot-admin.version "$pom")"
    label="Spring Boot Admin $sba"
    [ -n "$sba" ] || label="the Eureka server (Spring Cloud $(pom_value spring-cloud.version "$pom"))"
    jar="$dir/target/$name.jar"

    mkdir -p "$dir/target"
    (
        # Serialise concurrent builds of the same server (e.g. parallel test runs).
        if command -v flock >/dev/null 2>&1; then
            exec 9>"$dir/target/.build.lock"
            flock 9
        fi
        if needs_build "$dir" "$jar"; then
            command -v "$mvn_cmd" >/dev/null 2>&1 \
                || die "Maven ('$mvn_cmd') not found on PATH; install Maven 3.6+ (e.g. apt-get install maven) or set MVN"
            say "building $label (Spring Boot $boot) with Maven (first time takes a few minutes)..."
            local start=$SECONDS
            # Maven's output goes to stderr; some Maven 3.8 builds print ANSI
            # colour resets even in batch mode, so strip escape sequences.
            # shellcheck disable=SC2086
            (cd "$dir" && "$mvn_cmd" -q -B -Dstyle.color=never package -DskipTests ${SBA_MVN_ARGS:-} 2>&1) \
                | sed $'s/\x1b\\[[0-9;]*m//g' >&2 \
                || die "Maven build of $dir failed (see the output above)"
            [ -f "$jar" ] || die "Maven finished but $jar was not produced"
            say "built $jar in $((SECONDS - start))s"
        else
            say "$label is up to date: $jar"
        fi
    )
    printf '%s\n' "$jar"
}

check_java
for v in "${variants[@]}"; do
    build_one "$v"
done
