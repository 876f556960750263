#!/usr/bin/env bash
# Loopback scale-out trial: two DiffusionChat.Server processes behind nginx on 127.0.0.1, CLIENTS concurrent
# streaming clients through nginx; passes when every stream ends in [DONE] without an error and both replicas served.
#   dotnet build src/DiffusionChat.Server -c Release && bash deploy/loopback-trial.sh [CLIENTS]
# Needs nginx and curl (Debian: apt-get install -y nginx curl). Bounded: CLIENTS requests, 120 s each at most.
set -euo pipefail
CLIENTS=${1:-64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DLL="$ROOT/src/DiffusionChat.Server/bin/Release/net10.0/DiffusionChat.Server.dll"
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
[ -f "$DLL" ] || { echo "build first: dotnet build src/DiffusionChat.Server -c Release" >&2; exit 2; }

for port in 5081 5082; do
  DiffusionChat__ModelPath="$ROOT/models/dc-masked" DiffusionChat__Device=cpu \
    dotnet "$DLL" --urls "http://127.0.0.1:$port" > "$WORK/server-$port.log" 2>&1 &
  PIDS+=($!)
done
for port in 5081 5082; do
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$port/health" > /dev/null || { echo "replica $port not ready" >&2; cat "$WORK/server-$port.log" >&2; exit 1; }
done

# Same proxy settings as deploy/nginx.conf, on loopback ports.
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/logs/access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  upstream diffusionchat { least_conn; server 127.0.0.1:5081; server 127.0.0.1:5082; keepalive 32; }
  server {
    listen 127.0.0.1:8088;
    location / {
      proxy_pass http://diffusionchat; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_read_timeout 600s;
      proxy_next_upstream error timeout http_429 http_503; proxy_next_upstream_tries 2;
    }
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:8088/health" && break; sleep 0.2; done

ask() {
  local i=$1
  curl -s -N --max-time 120 -o "$WORK/answer-$i.txt" -w '%{http_code}\n' http://127.0.0.1:8088/v1/chat/completions \
    -H 'Content-Type: application/json' \
    -d "{\"model\":\"dc-masked\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France? ($i)\"}],\"max_tokens\":32,\"seed\":$i,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
}
export -f ask
export WORK
start=$(date +%s.%N)
seq 1 "$CLIENTS" | xargs -P "$CLIENTS" -I{} bash -c 'ask {}' > "$WORK/codes.txt"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

ok=0; bad=0
for i in $(seq 1 "$CLIENTS"); do
  if grep -q '^data: \[DONE\]' "$WORK/answer-$i.txt" && ! grep -q '"error"' "$WORK/answer-$i.txt"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
done
served() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^diffusionchat_server_requests_total/ && /stream="true"/ && /status="200"/ { n += $NF } END { print n + 0 }'; }
s1=$(served 5081); s2=$(served 5082)
codes=$(sort "$WORK/codes.txt" | uniq -c | tr '\n' ' ')
echo "clients=$CLIENTS complete_streams=$ok failed=$bad http_codes=[$codes] wall_s=$elapsed replica_5081_streams=$s1 replica_5082_streams=$s2"
[ "$bad" -eq 0 ] && [ "$s1" -gt 0 ] && [ "$s2" -gt 0 ]
