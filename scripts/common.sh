# Sourced by the load scripts (from the repository's root): what they share.

# A TCP port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The median of the numbers on stdin, one to a line (the mean of the middle
# two of an even count); prints nothing when there are none.
median() { sort -n | awk 'NF { v[++n] = $1 } END { if (n) print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }'; }

# The TCP port process $1 listens on (empty until it listens): for servers
# started on port 0 whose log does not say (alertbridge at --log-level warning).
listening_port() { (ss -Hltnp 2>/dev/null | grep "pid=$1," | awk '{print $4}' | sed 's/.*://' | head -1) || true; }

# Sets `binary`: ALERTBRIDGE=/path/to/alertbridge runs that build instead of
# building one, for measuring two builds alternately.
alertbridge_binary() {
    binary=${ALERTBRIDGE:-}
    if [ -z "$binary" ]; then
        echo "# building (release)" >&2
        swift build -c release --product alertbridge >&2
        binary=$(swift build -c release --show-bin-path)/alertbridge
    fi
}

# Sets LOGGEN: LOGGEN=/path, else loggen on PATH, else the copy under
# /opt/syslog-ng that docs/performance.md extracts from Debian's
# syslog-ng-core. $1 names the script in the error.
find_loggen() {
    [ -n "${LOGGEN:-}" ] && return 0
    if command -v loggen >/dev/null; then LOGGEN=$(command -v loggen)
    elif [ -x /opt/syslog-ng/usr/bin/loggen ]; then
        LOGGEN=/opt/syslog-ng/usr/bin/loggen
        export LD_LIBRARY_PATH=/opt/syslog-ng/usr/lib/syslog-ng SYSLOGNG_PREFIX=/opt/syslog-ng/usr
    else
        echo "$1: loggen is missing (see docs/performance.md)" >&2; exit 1
    fi
}
