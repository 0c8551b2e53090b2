#!/usr/bin/env bash
# Regenerates screenshots/*.png from the running program: `minimo demo` in tmux at a fixed size,
# driven with send-keys, captured with colours (capture-pane -e) and rendered with DejaVu Sans Mono.
# Needs: tmux, fonts-dejavu-core (apt), Pillow (pip install pillow).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product minimo >/dev/null
bin=.build/debug/minimo
out=screenshots
mkdir -p "$out"
socket="minimo-shots-$$"
cols=120 rows=36
t() { tmux -L "$socket" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT

wait_for() {  # wait_for TEXT: poll the screen until TEXT shows (at most 20 s)
    for _ in $(seq 1 200); do
        if t capture-pane -p -t shots | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "screenshots: timed out waiting for '$1'" >&2
    t capture-pane -p -t shots >&2
    exit 1
}
shot() {  # shot NAME: capture with colours and render
    sleep 0.3
    t capture-pane -e -p -t shots > "$out/$1.txt"
    python3 scripts/ansi2png.py "$out/$1.txt" "$out/$1.png" "$cols" "$rows"
    rm -f "$out/$1.txt"
    echo "wrote $out/$1.png"
}

t new-session -d -s shots -x "$cols" -y "$rows" "env TERM=xterm-256color LANG=C.UTF-8 $bin demo"
wait_for "Contacts"
t send-keys -t shots -l "customer@example.com"
t send-keys -t shots Enter
wait_for "Acme Corp"
shot main

t send-keys -t shots j e C-u
t send-keys -t shots -l "pro"
t send-keys -t shots Enter
wait_for "1 unsaved"
shot fields-editor

t send-keys -t shots s
wait_for "This exact JSON will be sent"
shot save-review
t send-keys -t shots y
wait_for "saved: PUT"

t send-keys -t shots r
wait_for "Response body"
shot raw-view
t send-keys -t shots r

t send-keys -t shots "?"
wait_for "Help · the keys in effect"
shot help
t send-keys -t shots Escape

t send-keys -t shots L
wait_for "Request log"
shot request-log
t send-keys -t shots Escape

# A contact whose fields hold escape sequences, bidi overrides and CJK: shown escaped, aligned.
t send-keys -t shots "/" C-u
t send-keys -t shots -l "josé"
wait_for "josé.müller"
t send-keys -t shots Down Enter
wait_for "Contact #1"
shot hostile-data
t send-keys -t shots q

# Bulk edit: mark five contacts, set a field for all of them, the review before anything is sent.
t new-session -d -s bulk -x "$cols" -y "$rows" "env TERM=xterm-256color LANG=C.UTF-8 $bin demo"
wait_bulk() {
    for _ in $(seq 1 200); do
        if t capture-pane -p -t bulk | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "screenshots: timed out waiting for '$1'" >&2; t capture-pane -p -t bulk >&2; exit 1
}
shot_bulk() {  # shot_bulk NAME [COLUMNS]
    sleep 0.3
    t capture-pane -e -p -t bulk > "$out/$1.txt"
    python3 scripts/ansi2png.py "$out/$1.txt" "$out/$1.png" "${2:-$cols}" "$rows"
    rm -f "$out/$1.txt"
    echo "wrote $out/$1.png"
}
wait_bulk "Contacts"
t send-keys -t bulk Escape j j m m m m m
wait_bulk "5 marked"
t send-keys -t bulk b f
wait_bulk "field to set"
t send-keys -t bulk -l "plan"
t send-keys -t bulk Enter
wait_bulk "(select) ="
t send-keys -t bulk -l "pro"
t send-keys -t bulk Enter
wait_bulk "request(s)"
shot_bulk bulk-review
t send-keys -t bulk q
t kill-session -t bulk

# A bulk edit of every contact on a tight quota (10 requests per 20 s): progress and ETA in the
# status bar, the list sorted by plan, descending.
wide=150
t new-session -d -s bulk -x "$wide" -y "$rows" "env TERM=xterm-256color LANG=C.UTF-8 $bin demo --rate-limit 10/20s"
wait_bulk "Contacts"
t send-keys -t bulk Escape o o o o I M b E
wait_bulk "request(s)"
t send-keys -t bulk y
wait_bulk "bulk "
sleep 3
shot_bulk bulk-progress "$wide"
t send-keys -t bulk X y q
t kill-session -t bulk

# An import's progress on a terminal, against a sandbox in another process.
port=$(( 20000 + $$ % 10000 ))
work=$(mktemp -d)
$bin sandbox --port "$port" --rate-limit 300/60s >/dev/null 2>&1 &
sandbox_pid=$!
trap 't kill-server 2>/dev/null || true; kill $sandbox_pid 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work/shop-export.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,first_name,last_name,plan,seats\n")
    for i in range(3000):
        f.write(f"buyer{i}@shop.example,Buyer,N{i},{['free','pro','enterprise'][i % 3]},{i % 50}\n")
PY
sleep 1  # the sandbox binds its port
t new-session -d -s import -x "$cols" -y 12 "cd $work && env TERM=xterm-256color LANG=C.UTF-8 MINIMO_BASE_URL=http://127.0.0.1:$port MINIMO_API_KEY=mn-demo-screens0123456789 MINIMO_CACHE_DIR=$work/cache HOME=$work $PWD/$bin import shop-export.csv; sleep 600"
for _ in $(seq 1 300); do
    if t capture-pane -p -t import | grep -q "rows ·"; then break; fi
    sleep 0.1
done
sleep 2
t capture-pane -e -p -t import > "$out/import-progress.txt"
python3 scripts/ansi2png.py "$out/import-progress.txt" "$out/import-progress.png" "$cols" 12
rm -f "$out/import-progress.txt"
echo "wrote $out/import-progress.png"

# The outbox view with a conflict: the TUI against a sandbox in another process; another
# client (a second cache, a second key) changes the company while the TUI edits it.
port2=$(( port + 1 ))
$bin sandbox --port "$port2" >/dev/null 2>&1 &
sandbox2_pid=$!
trap 't kill-server 2>/dev/null || true; kill $sandbox_pid $sandbox2_pid 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 1
mine="MINIMO_BASE_URL=http://127.0.0.1:$port2 MINIMO_API_KEY=mn-demo-screens0123456789 MINIMO_CACHE_DIR=$work/tui HOME=$work"
theirs="MINIMO_BASE_URL=http://127.0.0.1:$port2 MINIMO_API_KEY=mn-colleague-0123456789 MINIMO_CACHE_DIR=$work/colleague HOME=$work"
t new-session -d -s bulk -x "$cols" -y "$rows" "env TERM=xterm-256color LANG=C.UTF-8 $mine $PWD/$bin"
wait_bulk "Search email"
t send-keys -t bulk -l "customer@example.com"
t send-keys -t bulk Enter
wait_bulk "Acme Corp"
id=$(env $theirs $bin contacts get customer@example.com --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("data", d); print(d["id"])')
env $theirs $bin contacts update "$id" --field "company=Globex Corporation" >/dev/null 2>&1
t send-keys -t bulk e C-u
t send-keys -t bulk -l "Initech"
t send-keys -t bulk Enter
wait_bulk "1 unsaved"
t send-keys -t bulk s
wait_bulk "This exact JSON"
t send-keys -t bulk y
wait_bulk "conflict on"
t send-keys -t bulk O
wait_bulk "on the server now"
shot_bulk outbox-conflict

