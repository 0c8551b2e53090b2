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
wait_for "Help · every key"
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
