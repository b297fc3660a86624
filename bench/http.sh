#!/usr/bin/env bash
# The epoll HTTP example against nginx, in the same run, on 127.0.0.1.
#
#   bench/http.sh            # ROUNDS=3 DURATION=10 CONNECTIONS=100 by default
#
# Both servers get 2 workers, each kept on one CPU (nginx: `worker_processes 2` with
# `worker_cpu_affinity auto`; ours: `--threads 2`, which pins by default), the same
# CPUs (SERVER_CPUS, default all), keep-alive, no access log, the same 13-byte
# body (`return 200 "Hello, world!"` with `default_type text/plain` against ours
# without --root) and the same 64 KiB file (nginx `root` with `sendfile on` against
# ours with --root). wrk (-t2 -cCONNECTIONS -dDURATION --latency, on WRK_CPUS) loads
# each in turn; the order alternates from round to round so that drift in the
# machine's load falls on both. It prints every run, then the means and the ratios.
#
# It installs nothing: wrk, nginx and curl must be on PATH (apt-get install -y wrk
# nginx curl).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-100}
SERVER_CPUS=${SERVER_CPUS:-0-$(($(nproc) - 1))}
WRK_CPUS=${WRK_CPUS:-$SERVER_CPUS}
PORT_BASE=${PORT_BASE:-18180}

missing=
for tool in wrk nginx curl taskset; do
    if ! command -v "$tool" >/dev/null; then
        echo "bench/http.sh: $tool not found" >&2
        missing=1
    fi
done
if [ -n "$missing" ]; then
    echo "bench/http.sh: install the load generator and the reference with:" >&2
    echo "    apt-get install -y wrk nginx curl" >&2
    exit 2
fi

cargo build --release --quiet --example http_server
ours_bin=target/release/examples/http_server

tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -f "$tmp/nginx.pid" ]; then kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; fi
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT

chmod 755 "$tmp"
mkdir -p "$tmp/www"
head -c 65536 /dev/urandom >"$tmp/www/64k.bin"

nginx_port=$PORT_BASE
hello_port=$((PORT_BASE + 1))
files_port=$((PORT_BASE + 2))

cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
worker_cpu_affinity auto;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events { worker_connections 16384; }
http {
    access_log off;
    default_type text/plain;
    keepalive_requests 1000000;
    sendfile on;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        location = / { return 200 "Hello, world!"; }
        location / { root $tmp/www; }
    }
}
CONF

taskset -c "$SERVER_CPUS" nginx -c "$tmp/nginx.conf" -p "$tmp"
taskset -c "$SERVER_CPUS" "$ours_bin" --listen "127.0.0.1:$hello_port" --threads 2 >/dev/null &
pids+=($!)
taskset -c "$SERVER_CPUS" "$ours_bin" --listen "127.0.0.1:$files_port" --threads 2 \
    --root "$tmp/www" >/dev/null &
pids+=($!)

# Wait until all three answer, and check that they answer the same bodies.
for port in $nginx_port $hello_port $files_port; do
    for _ in $(seq 50); do
        curl -sf "http://127.0.0.1:$port/64k.bin" -o /dev/null 2>/dev/null && break
        curl -sf "http://127.0.0.1:$port/" -o /dev/null 2>/dev/null && break
        sleep 0.1
    done
done
[ "$(curl -s "http://127.0.0.1:$nginx_port/")" = "$(curl -s "http://127.0.0.1:$hello_port/")" ] ||
    { echo "bench/http.sh: the 13-byte bodies differ" >&2; exit 1; }
cmp -s <(curl -s "http://127.0.0.1:$nginx_port/64k.bin") <(curl -s "http://127.0.0.1:$files_port/64k.bin") ||
    { echo "bench/http.sh: the 64 KiB bodies differ" >&2; exit 1; }

# One wrk run: prints "REQ_PER_SEC P99_MICROSECONDS".
load() {
    taskset -c "$WRK_CPUS" wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1" | awk '
        /Requests\/sec:/ { rps = $2 }
        $1 == "99%" {
            v = $2
            if (v ~ /us$/) { sub(/us$/, "", v); p99 = v }
            else if (v ~ /ms$/) { sub(/ms$/, "", v); p99 = v * 1000 }
            else if (v ~ /s$/) { sub(/s$/, "", v); p99 = v * 1000000 }
        }
        END { printf "%.0f %.0f\n", rps, p99 }'
}

declare -A sum_rps sum_p99
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency; servers on CPUs $SERVER_CPUS, wrk on CPUs $WRK_CPUS; $ROUNDS rounds"
printf '%-6s %-8s %-10s %12s %10s\n' round case server req/s p99_us
for round in $(seq "$ROUNDS"); do
    for case in hello file; do
        if [ "$case" = hello ]; then
            nginx_url="http://127.0.0.1:$nginx_port/"
            ours_url="http://127.0.0.1:$hello_port/"
        else
            nginx_url="http://127.0.0.1:$nginx_port/64k.bin"
            ours_url="http://127.0.0.1:$files_port/64k.bin"
        fi
        order="nginx sysbridge"
        [ $((round % 2)) -eq 0 ] && order="sysbridge nginx"
        for server in $order; do
            url=$nginx_url
            [ "$server" = sysbridge ] && url=$ours_url
            read -r rps p99 < <(load "$url")
            printf '%-6s %-8s %-10s %12s %10s\n' "$round" "$case" "$server" "$rps" "$p99"
            sum_rps[$case.$server]=$(( ${sum_rps[$case.$server]:-0} + rps ))
            sum_p99[$case.$server]=$(( ${sum_p99[$case.$server]:-0} + p99 ))
        done
    done
done

echo
echo "means over $ROUNDS rounds"
printf '%-8s %14s %14s %14s %14s %10s %10s\n' case nginx_req/s ours_req/s nginx_p99_us ours_p99_us req/s_x p99_x
for case in hello file; do
    n_rps=$(( ${sum_rps[$case.nginx]} / ROUNDS )); o_rps=$(( ${sum_rps[$case.sysbridge]} / ROUNDS ))
    n_p99=$(( ${sum_p99[$case.nginx]} / ROUNDS )); o_p99=$(( ${sum_p99[$case.sysbridge]} / ROUNDS ))
    printf '%-8s %14s %14s %14s %14s %10s %10s\n' "$case" "$n_rps" "$o_rps" "$n_p99" "$o_p99" \
        "$(awk -v a="$o_rps" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk -v a="$o_p99" -v b="$n_p99" 'BEGIN { printf "%.2f", a / b }')"
done
echo "(req/s_x: ours / nginx, higher is better; p99_x: ours / nginx, lower is better)"
